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

    /// The same from entries given as arrays.
    public mutating func writeKeyGroup(_ keyGroup: Int, entries: [Entry]) throws {
        try writeKeyGroup(Self.group(keyGroup, entries))
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
        var w = ByteWriter(capacity: group.byteCount + group.count * 8 + 4)
        let slots = group.slots
        w.writeU16(UInt16(truncatingIfNeeded: slots[0].stateIndex))
        var i = 0
        try group.forEach { stateIndex, key, value in
            guard !key.isEmpty, key[0] & CanonicalKeyGroupBlock.firstBitInByteMask == 0 else {
                throw FormatError(offset: w.count, "a canonical key must start with a key-group prefix below 0x80")
            }
            guard stateIndex >= 0, stateIndex < Int(CanonicalKeyGroupBlock.endOfKeyGroupMark) else {
                throw FormatError(offset: w.count, "state index \(stateIndex) cannot be written")
            }
            i += 1
            let next: Int? = i < slots.count ? Int(slots[i].stateIndex) : nil
            let lastOfRun = next != stateIndex
            w.writeCount(key.count)
            w.writeU8(lastOfRun ? key[0] | CanonicalKeyGroupBlock.firstBitInByteMask : key[0])
            w.writeBytes(UnsafeBufferPointer(rebasing: key[1...]))
            w.writeCount(value.count)
            w.writeBytes(value)
            if lastOfRun { w.writeU16(next.map { UInt16(truncatingIfNeeded: $0) } ?? CanonicalKeyGroupBlock.endOfKeyGroupMark) }
        }
        return w.bytes
    }
}
