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

    /// The layout of Flink's `FullSnapshotAsyncWriter.writeKVStateData`: the first state id, then
    /// entries; the last entry of each run of one state carries the 0x80 flag in its first key byte
    /// (`FullSnapshotUtil.setMetaDataFollowsFlagInKey`) and is followed by the next state id or
    /// 0xFFFF (`END_OF_KEY_GROUP_MARK`).
    /// The group holds every entry in its canonical encoding already, each run of a state's
    /// entries contiguous: a run goes out in one copy.
    static func encodeBlock(_ group: RawKeyGroup) throws -> [UInt8] {
        let size = try blockSize(group)
        let slots = group.slots
        return group.storage.withUnsafeBufferPointer { source in
            [UInt8](unsafeUninitializedCapacity: size) { out, initialized in
                let base = out.baseAddress!
                var at = 0
                func put16(_ v: UInt16) {
                    base[at] = UInt8(truncatingIfNeeded: v >> 8); base[at + 1] = UInt8(truncatingIfNeeded: v); at += 2
                }
                func copy(_ range: Range<Int>) {
                    (base + at).update(from: source.baseAddress! + range.lowerBound, count: range.count)
                    at += range.count
                }
                put16(UInt16(truncatingIfNeeded: slots[0].stateIndex))
                var i = 0
                while i < slots.count {
                    var j = i + 1
                    while j < slots.count, slots[j].stateIndex == slots[i].stateIndex { j += 1 }
                    copy(slots[i].encoded.lowerBound..<slots[j - 1].encoded.upperBound)
                    // The run's last entry: its first key byte follows its 4-byte key length.
                    base[at - slots[j - 1].encoded.count + 4] |= CanonicalKeyGroupBlock.firstBitInByteMask
                    put16(j < slots.count ? UInt16(truncatingIfNeeded: slots[j].stateIndex) : CanonicalKeyGroupBlock.endOfKeyGroupMark)
                    i = j
                }
                initialized = at
                precondition(initialized == size, "canonical block size mismatch")
            }
        }
    }

    /// The exact size of the block: every entry's encoding plus a state id per run and the end
    /// mark. Refuses a group holding an entry the grammar cannot carry (error at its offset).
    static func blockSize(_ group: RawKeyGroup) throws -> Int {
        let slots = group.slots
        var size = 2, runs = 0
        for i in slots.indices {
            if let bad = group.firstUnwritable, bad == i {
                let slot = slots[i]
                guard slot.stateIndex >= 0, slot.stateIndex < Int32(CanonicalKeyGroupBlock.endOfKeyGroupMark) else {
                    throw FormatError(offset: size, "state index \(slot.stateIndex) cannot be written")
                }
                throw FormatError(offset: size, "a canonical key must start with a key-group prefix below 0x80")
            }
            if i == 0 || slots[i - 1].stateIndex != slots[i].stateIndex { runs += 1 }
            size += slots[i].encoded.count
        }
        return size + 2 * runs
    }
}
