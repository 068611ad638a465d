import Foundation
import Storage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
import Storage
#endif

/// Entries on their way to a new key group, buffered in memory up to a budget, then sorted and
/// written as one run of a spill file (the first half of an external merge sort).
///
/// A record, in memory and in the file alike (this process's own scratch format, native byte
/// order): `u32 key group ‖ u32 state index ‖ u32 key length ‖ u32 value length ‖ key ‖ value`,
/// the key without its key-group prefix.
struct SpillBuffer {
    static let headerBytes = 16
    /// What a slot costs besides its record, for the memory budget.
    static let slotBytes = MemoryLayout<Slot>.stride

    struct Slot {
        var keyGroup: Int32
        var stateIndex: Int32
        var keyCount: Int32
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
        slots.append(Slot(keyGroup: Int32(keyGroup), stateIndex: Int32(stateIndex),
                          keyCount: Int32(keyAfterPrefix.count), start: at))
        used = end
    }

    /// Sorts the records and writes them to a new file at `url` (see `sortedRun`).
    mutating func writeSortedRun(to url: URL) throws -> (keyGroupStarts: [(keyGroup: Int, offset: Int)], length: Int) {
        // Spill runs are local scratch, whatever storage the savepoints are in.
        let sink = try StreamFileSink(url.path, in: LocalStorage())
        let run = try sortedRun { try sink.write($0) }
        try sink.close()
        return run
    }

    /// Sorts the records and returns them as bytes: the last run, kept in memory (a state smaller
    /// than the budget never touches the disk).
    mutating func sortedRunBytes() throws -> (bytes: [UInt8], keyGroupStarts: [(keyGroup: Int, offset: Int)]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(used)
        let run = try sortedRun { bytes += $0 }
        storage = []
        return (bytes, run.keyGroupStarts)
    }

    /// Sorts the records (key group, state, key bytes: the order writers want) and hands them to
    /// `emit` in chunks; returns, per key group present, where its records begin, and the run's
    /// length. Empties the buffer, keeping its capacity.
    private mutating func sortedRun(_ emit: ([UInt8]) throws -> Void) throws -> (keyGroupStarts: [(keyGroup: Int, offset: Int)], length: Int) {
        storage.withUnsafeBytes { b in
            let base = b.baseAddress!
            slots.sort { x, y in
                Self.precedes(keyGroup: x.keyGroup, stateIndex: x.stateIndex,
                              key: UnsafeRawBufferPointer(start: base + x.start + Self.headerBytes, count: Int(x.keyCount)),
                              keyGroup: y.keyGroup, stateIndex: y.stateIndex,
                              key: UnsafeRawBufferPointer(start: base + y.start + Self.headerBytes, count: Int(y.keyCount)))
            }
        }
        var starts: [(keyGroup: Int, offset: Int)] = []
        var chunk: [UInt8] = []
        chunk.reserveCapacity(1 << 20)
        var written = 0
        try storage.withUnsafeBytes { b in
            for s in slots {
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

    @inline(__always)
    static func precedes(keyGroup g1: Int32, stateIndex s1: Int32, key k1: UnsafeRawBufferPointer,
                         keyGroup g2: Int32, stateIndex s2: Int32, key k2: UnsafeRawBufferPointer) -> Bool {
        if g1 != g2 { return g1 < g2 }
        if s1 != s2 { return s1 < s2 }
        let common = Swift.min(k1.count, k2.count)
        let c = common == 0 ? 0 : memcmp(k1.baseAddress!, k2.baseAddress!, common)
        return c != 0 ? c < 0 : k1.count < k2.count
    }
}

/// Reads one run's records for a range of a spill file, a buffer at a time (the second half of
/// the merge sort), or of the run kept in memory: the head record stays in place in the buffer
/// until `advance`.
struct SpillCursor {
    private let fd: Int32
    /// The whole run is the buffer (never moved or refilled: that would copy it).
    private let inMemory: Bool
    private let path: String
    private var filePosition: Int
    private let fileEnd: Int
    private var buffer: [UInt8]
    private var bufferStart = 0
    private var bufferEnd = 0
    /// The head record's offset in `buffer`, nil at the end.
    private(set) var head: Int?

    init(fd: Int32, path: String, range: Range<Int>, bufferBytes: Int) throws {
        self.fd = fd
        self.path = path
        filePosition = range.lowerBound
        fileEnd = range.upperBound
        buffer = [UInt8](repeating: 0, count: Swift.max(bufferBytes, SpillBuffer.headerBytes))
        inMemory = false
        try advance()
    }

    /// The records at `range` of a run kept in memory (shared, not copied).
    init(memory: [UInt8], range: Range<Int>) throws {
        fd = -1
        path = "the run kept in memory"
        filePosition = 0
        fileEnd = 0
        buffer = memory
        bufferStart = range.lowerBound
        bufferEnd = range.upperBound
        inMemory = true
        try advance()
    }

    /// Moves to the next record, reading more of the file when the buffer does not hold it whole.
    mutating func advance() throws {
        if let h = head { bufferStart = h + buffer.withUnsafeBytes { SpillBuffer.recordLength(at: $0.baseAddress! + h) } }
        head = nil
        guard try ensure(SpillBuffer.headerBytes) else { return }
        let length = buffer.withUnsafeBytes { SpillBuffer.recordLength(at: $0.baseAddress! + bufferStart) }
        _ = try ensure(length)
        head = bufferStart
    }

    /// Whether `count` bytes from `bufferStart` are in the buffer (moving and refilling it);
    /// false at the end of the range, an error when the range ends inside them.
    private mutating func ensure(_ count: Int) throws -> Bool {
        if bufferEnd - bufferStart >= count { return true }
        if inMemory {
            if bufferEnd == bufferStart { return false }
            throw SavepointError.io("\(path) ends inside a record")
        }
        if bufferStart > 0 {
            let kept = bufferEnd - bufferStart
            buffer.withUnsafeMutableBytes { b in
                if kept > 0 { b.baseAddress!.copyMemory(from: b.baseAddress! + bufferStart, byteCount: kept) }
            }
            bufferStart = 0
            bufferEnd = kept
        }
        if buffer.count < count { buffer.append(contentsOf: repeatElement(0, count: count - buffer.count)) }
        while bufferEnd < count, filePosition < fileEnd {
            let want = Swift.min(buffer.count - bufferEnd, fileEnd - filePosition)
            let n = buffer.withUnsafeMutableBytes { b in pread(fd, b.baseAddress! + bufferEnd, want, off_t(filePosition)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                throw SavepointError.io("\(path): cannot read the spill file: \(n < 0 ? String(cString: strerror(errno)) : "it is shorter than written")")
            }
            bufferEnd += n
            filePosition += n
        }
        if bufferEnd >= count { return true }
        if bufferEnd == 0 { return false }
        throw SavepointError.io("\(path): the spill file ends inside a record")
    }

    /// The head record's fields and bytes (valid until `advance`).
    @inline(__always)
    func withHead<T>(_ body: (_ keyGroup: Int32, _ stateIndex: Int32, _ key: UnsafeRawBufferPointer,
                               _ value: UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try buffer.withUnsafeBytes { b in
            let p = b.baseAddress! + head!
            let keyCount = SpillBuffer.field(p, 2)
            return try body(Int32(SpillBuffer.field(p, 0)), Int32(SpillBuffer.field(p, 1)),
                            UnsafeRawBufferPointer(start: p + SpillBuffer.headerBytes, count: keyCount),
                            UnsafeRawBufferPointer(start: p + SpillBuffer.headerBytes + keyCount, count: SpillBuffer.field(p, 3)))
        }
    }
}
