import Bytes
import Compression

/// Writes a keyed state stream in the canonical (unified savepoint) layout, the mirror of
/// `KeyedStateStream` with `.canonical`: the serialization proxy header, then one block per
/// non-empty key group, each optionally an independent Snappy-framed stream, and the offset of
/// every key group's block (0 = empty) for the state handle.
///
/// Bytes go to `sink` as they are produced, so memory follows the largest key group, not the stream.
public struct KeyedStateStreamWriter {
    /// One entry of a key group: the state's index in the proxy, the canonical key (key-group
    /// prefix without the flag bit, then key, namespace, user key) and the canonical value.
    public typealias Entry = (stateIndex: Int, key: [UInt8], value: [UInt8])

    public let startKeyGroup: Int
    public let compressed: Bool
    /// Absolute position of each key group's block, in range order; 0 for empty key groups.
    public private(set) var offsets: [Int64]
    /// Bytes written so far (the position of the next block).
    public private(set) var position: Int64 = 0
    private let sink: ([UInt8]) throws -> Void
    private var lastKeyGroup = Int.min

    /// Writes the header at once. The proxy's compression flag decides the block encoding.
    public init(proxy: KeyedBackendSerializationProxy, startKeyGroup: Int, numberOfKeyGroups: Int,
                sink: @escaping ([UInt8]) throws -> Void) throws {
        self.startKeyGroup = startKeyGroup
        self.compressed = proxy.usingKeyGroupCompression
        self.sink = sink
        offsets = Array(repeating: 0, count: max(0, numberOfKeyGroups))
        var header = ByteWriter()
        try proxy.write(to: &header)
        try emit(header.bytes)
    }

    /// Writes one key group's block. Key groups must come in ascending order, each at most once;
    /// an empty group writes nothing (the offset stays 0, as Flink leaves empty key groups).
    /// Entries must already be in canonical order (`RawKeyGroup.sortIntoCanonicalOrder`).
    public mutating func writeKeyGroup(_ group: RawKeyGroup) throws {
        let keyGroup = group.keyGroup
        let index = keyGroup - startKeyGroup
        guard offsets.indices.contains(index) else {
            throw FormatError(offset: Int(position), "key group \(keyGroup) lies outside the stream's range starting at \(startKeyGroup)")
        }
        guard keyGroup > lastKeyGroup else {
            throw FormatError(offset: Int(position), "key group \(keyGroup) written after key group \(lastKeyGroup)")
        }
        lastKeyGroup = keyGroup
        guard !group.isEmpty else { return }
        let block = try Self.encodeBlock(group)
        offsets[index] = position
        if compressed {
            // Flink opens a new framed stream per key group: each block starts with its own identifier.
            var framed = SnappyFramedWriter()
            framed.write(block)
            try emit(framed.finish())
        } else {
            try emit(block)
        }
    }

    private mutating func emit(_ bytes: [UInt8]) throws {
        try sink(bytes)
        position += Int64(bytes.count)
    }

    static func group(_ keyGroup: Int, _ entries: [Entry]) -> RawKeyGroup {
        var group = RawKeyGroup(keyGroup: keyGroup)
        for e in entries { group.append(stateIndex: e.stateIndex, key: e.key, value: e.value) }
        return group
    }

    static func encodeBlock(_ entries: [Entry]) throws -> [UInt8] {
        try encodeBlock(group(0, entries))
    }

    /// The §5.3 grammar: the first state id, then entries; the last entry of each run of one state
    /// carries the 0x80 flag in its first key byte and is followed by the next state id or 0xFFFF.
    static func encodeBlock(_ group: RawKeyGroup) throws -> [UInt8] {
        let size = try blockSize(group)
        let slots = group.slots
        return group.bytes.withUnsafeBufferPointer { source in
            // Written through a pointer into a buffer of the exact size: a growing array's checks
            // per field cost more than the copying itself for the short keys and values of state.
            [UInt8](unsafeUninitializedCapacity: size) { out, initialized in
                var at = out.baseAddress!
                func put(_ v: UInt32, bytes n: Int) {
                    for i in (0..<n).reversed() { at.pointee = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))); at += 1 }
                }
                func copy(_ start: Int, _ count: Int) {
                    guard count > 0 else { return }
                    at.update(from: source.baseAddress! + start, count: count)
                    at += count
                }
                put(UInt32(slots[0].stateIndex), bytes: 2)
                for i in slots.indices {
                    let slot = slots[i]
                    let next: Int32? = i + 1 < slots.count ? slots[i + 1].stateIndex : nil
                    let lastOfRun = next != slot.stateIndex
                    put(UInt32(slot.keyCount), bytes: 4)
                    let first = source[slot.start]
                    at.pointee = lastOfRun ? first | CanonicalKeyGroupBlock.firstBitInByteMask : first
                    at += 1
                    copy(slot.start + 1, Int(slot.keyCount) - 1)
                    put(UInt32(slot.valueCount), bytes: 4)
                    copy(slot.start + Int(slot.keyCount), slot.valueCount)
                    if lastOfRun { put(UInt32(next.map { UInt16(truncatingIfNeeded: $0) } ?? CanonicalKeyGroupBlock.endOfKeyGroupMark), bytes: 2) }
                }
                initialized = at - out.baseAddress!
                precondition(initialized == size, "canonical block size mismatch")
            }
        }
    }

    /// Checks every entry and returns the exact size of the block (errors at the entry's offset).
    static func blockSize(_ group: RawKeyGroup) throws -> Int {
        let slots = group.slots, bytes = group.bytes
        var size = 2
        for i in slots.indices {
            let slot = slots[i]
            guard slot.keyCount > 0, bytes[slot.start] & CanonicalKeyGroupBlock.firstBitInByteMask == 0 else {
                throw FormatError(offset: size, "a canonical key must start with a key-group prefix below 0x80")
            }
            guard slot.stateIndex >= 0, slot.stateIndex < Int32(CanonicalKeyGroupBlock.endOfKeyGroupMark) else {
                throw FormatError(offset: size, "state index \(slot.stateIndex) cannot be written")
            }
            let lastOfRun = i + 1 == slots.count || slots[i + 1].stateIndex != slot.stateIndex
            size += 8 + Int(slot.keyCount) + slot.valueCount + (lastOfRun ? 2 : 0)
        }
        return size
    }
}
