import Bytes

extension CanonicalKeyGroupBlock {
    /// The bytes of one entry in place: what a caller can render without building readers.
    public struct EntryBytes {
        public var stateIndex: Int
        public var keyGroup: Int
        /// The key after its key-group prefix.
        public var keyAfterPrefix: UnsafeBufferPointer<UInt8>
        public var value: UnsafeBufferPointer<UInt8>
    }

    /// `forEachEntryInPlace`, but each well-framed entry is first offered to `inPlace` as bytes in
    /// place (no reader, no retain per entry); when it returns false the entry goes to `body` as a
    /// `RawEntry`. Framing errors are found and reported by the reader-based loop, so they are the
    /// same errors with the same offsets.
    public static func forEachEntry(
        in r: inout ByteReader, keyGroupPrefixBytes: Int, stateCount: Int,
        inPlace: (EntryBytes) throws -> Bool, _ body: (inout RawEntry) throws -> Void
    ) throws {
        var stateIndex = try readStateIndex(&r, stateCount: stateCount)
        let storage = r.storage
        try storage.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else {
                while try !readEntry(&r, keyGroupPrefixBytes: keyGroupPrefixBytes, stateCount: stateCount,
                                     stateIndex: &stateIndex, body) {}
                return
            }
            while true {
                if let frame = Frame(base, at: r.index, end: r.end, keyGroupPrefixBytes: keyGroupPrefixBytes) {
                    let entry = EntryBytes(
                        stateIndex: stateIndex, keyGroup: frame.keyGroup,
                        keyAfterPrefix: UnsafeBufferPointer(start: base + frame.keyAfterPrefix, count: frame.value - 4 - frame.keyAfterPrefix),
                        value: UnsafeBufferPointer(start: base + frame.value, count: frame.end - frame.value))
                    if try inPlace(entry) {
                        try r.seek(to: frame.end - r.start)
                        guard frame.hasNextStateMark else { continue }
                        guard let next = try readNextStateIndex(&r, stateCount: stateCount) else { return }
                        stateIndex = next
                        continue
                    }
                }
                if try readEntry(&r, keyGroupPrefixBytes: keyGroupPrefixBytes, stateCount: stateCount,
                                 stateIndex: &stateIndex, body) { return }
            }
        }
    }

    /// Where the parts of one entry lie (indices into the block's storage), when it is well framed.
    struct Frame {
        var keyAfterPrefix: Int
        var value: Int
        var end: Int
        var keyGroup: Int
        var hasNextStateMark: Bool

        @inline(__always)
        init?(_ base: UnsafePointer<UInt8>, at start: Int, end limit: Int, keyGroupPrefixBytes: Int) {
            guard limit - start >= 4 else { return nil }
            let keyLength = Int(Self.i32(base + start))
            guard keyLength >= keyGroupPrefixBytes, keyLength >= 1, limit - start - 4 >= keyLength else { return nil }
            let key = start + 4
            let first = base[key]
            var keyGroup = Int(first & ~firstBitInByteMask)
            if keyGroupPrefixBytes == 2 { keyGroup = keyGroup << 8 | Int(base[key + 1]) }
            let valueLengthAt = key + keyLength
            guard limit - valueLengthAt >= 4 else { return nil }
            let valueLength = Int(Self.i32(base + valueLengthAt))
            guard valueLength >= 0, limit - valueLengthAt - 4 >= valueLength else { return nil }
            keyAfterPrefix = key + keyGroupPrefixBytes
            value = valueLengthAt + 4
            end = value + valueLength
            self.keyGroup = keyGroup
            hasNextStateMark = first & firstBitInByteMask != 0
        }

        @inline(__always)
        static func i32(_ p: UnsafePointer<UInt8>) -> Int32 {
            Int32(bigEndian: UnsafeRawPointer(p).loadUnaligned(as: Int32.self))
        }
    }
}
