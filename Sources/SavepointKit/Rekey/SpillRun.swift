import Foundation
import Storage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
import Storage
#endif

/// Entries on their way to a new key group, buffered in memory up to a budget, then put in key
/// group order and written as one run of a spill file (the first half of an external sort).
///
/// A record, in memory and in the file alike (this process's own scratch format, native byte
/// order): `u32 key group ‖ u32 state index ‖ u32 key length ‖ u32 value length ‖ key ‖ value`,
/// the key without its key-group prefix.
///
/// A run is ordered by key group only (a stable counting sort: no comparisons), because each
/// output key group is gathered from every run and sorted whole by its reader
/// (`RekeyedSubtaskReader`): within a key group the records keep the order they were read in,
/// so the pieces a reader gathers are mostly sorted already and the sort merges them.
struct SpillBuffer {
    static let headerBytes = 16
    /// What a slot costs besides its record, for the memory budget.
    static let slotBytes = MemoryLayout<Slot>.stride

    struct Slot {
        var keyGroup: Int32
        var start: Int
    }

    private(set) var storage: [UInt8] = []
    private(set) var used = 0
    private(set) var slots: [Slot] = []

    var isEmpty: Bool { slots.isEmpty }
    /// Bytes held: the records and their slots.
    var byteCount: Int { used + slots.count * Self.slotBytes }

    mutating func append(keyGroup: Int, stateIndex: Int, keyAfterPrefix: UnsafeBufferPointer<UInt8>,
                         value: UnsafeBufferPointer<UInt8>) {
        let end = used + Self.headerBytes + keyAfterPrefix.count + value.count
        if storage.count < end {
            storage.append(contentsOf: repeatElement(0, count: Swift.max(end, 2 * storage.count, 1 << 16) - storage.count))
        }
        let at = used
        storage.withUnsafeMutableBytes { b in
            let p = b.baseAddress! + at
            Self.writeHeader(p, keyGroup: keyGroup, stateIndex: stateIndex, keyCount: keyAfterPrefix.count, valueCount: value.count)
            if let k = keyAfterPrefix.baseAddress, !keyAfterPrefix.isEmpty {
                (p + Self.headerBytes).copyMemory(from: k, byteCount: keyAfterPrefix.count)
            }
            if let v = value.baseAddress, !value.isEmpty {
                (p + Self.headerBytes + keyAfterPrefix.count).copyMemory(from: v, byteCount: value.count)
            }
        }
        slots.append(Slot(keyGroup: Int32(keyGroup), start: at))
        used = end
    }

    /// Orders the records by key group and writes them to a new file at `url` (see `sortedRun`).
    mutating func writeSortedRun(to url: URL) throws -> (keyGroupStarts: [(keyGroup: Int, offset: Int)], length: Int) {
        // Spill runs are local scratch, whatever storage the savepoints are in.
        let sink = try StreamFileSink(url.path, in: LocalStorage())
        let run = try sortedRun { try sink.write($0) }
        try sink.close()
        return run
    }

    /// Orders the records by key group and returns them as bytes: the last run, kept in memory (a
    /// state smaller than the budget never touches the disk).
    mutating func sortedRunBytes() throws -> (bytes: [UInt8], keyGroupStarts: [(keyGroup: Int, offset: Int)]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(used)
        let run = try sortedRun { bytes += $0 }
        storage = []
        return (bytes, run.keyGroupStarts)
    }

    /// Hands the records to `emit` in chunks, by key group (stable: in the order appended within
    /// one); returns, per key group present, where its records begin, and the run's length.
    /// Empties the buffer, keeping its capacity.
    private mutating func sortedRun(_ emit: ([UInt8]) throws -> Void) throws -> (keyGroupStarts: [(keyGroup: Int, offset: Int)], length: Int) {
        let order = Self.countingSort(slots)
        var starts: [(keyGroup: Int, offset: Int)] = []
        var chunk: [UInt8] = []
        chunk.reserveCapacity(1 << 20)
        var written = 0
        try storage.withUnsafeBytes { b in
            for s in order {
                if starts.last?.keyGroup != Int(s.keyGroup) { starts.append((Int(s.keyGroup), written + chunk.count)) }
                let length = Self.recordLength(at: b.baseAddress! + s.start)
                chunk.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[s.start..<(s.start + length)]))
                if chunk.count >= 1 << 20 {
                    written += chunk.count
                    try emit(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
        }
        written += chunk.count
        try emit(chunk)
        slots.removeAll(keepingCapacity: true)
        used = 0
        return (starts, written)
    }

    /// The slots by key group, each key group's in their order (key groups are below 2^15).
    static func countingSort(_ slots: [Slot]) -> [Slot] {
        guard let top = slots.lazy.map(\.keyGroup).max() else { return [] }
        var next = [Int](repeating: 0, count: Int(top) + 2)
        for s in slots { next[Int(s.keyGroup) + 1] += 1 }
        for g in 1..<next.count { next[g] += next[g - 1] }
        return [Slot](unsafeUninitializedCapacity: slots.count) { out, count in
            for s in slots {
                (out.baseAddress! + next[Int(s.keyGroup)]).initialize(to: s)
                next[Int(s.keyGroup)] += 1
            }
            count = slots.count
        }
    }

    // MARK: the record layout

    @inline(__always)
    static func writeHeader(_ p: UnsafeMutableRawPointer, keyGroup: Int, stateIndex: Int, keyCount: Int, valueCount: Int) {
        p.storeBytes(of: UInt32(truncatingIfNeeded: keyGroup), as: UInt32.self)
        p.storeBytes(of: UInt32(truncatingIfNeeded: stateIndex), toByteOffset: 4, as: UInt32.self)
        p.storeBytes(of: UInt32(truncatingIfNeeded: keyCount), toByteOffset: 8, as: UInt32.self)
        p.storeBytes(of: UInt32(truncatingIfNeeded: valueCount), toByteOffset: 12, as: UInt32.self)
    }

    @inline(__always)
    static func field(_ p: UnsafeRawPointer, _ i: Int) -> Int {
        Int(p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
    }

    @inline(__always)
    static func recordLength(at p: UnsafeRawPointer) -> Int { headerBytes + field(p, 2) + field(p, 3) }
}
