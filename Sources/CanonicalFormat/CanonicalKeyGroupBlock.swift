import Bytes

/// The entries of one key group in the canonical (unified savepoint) layout, as raw bytes:
///
///     i16 kvStateId
///     repeat { i32 keyLen, key, i32 valueLen, value,
///              if key[0] & 0x80: i16 next kvStateId, or 0xFFFF = end of key group }
///
/// The flag bit lives in the high bit of the key-group prefix; `key` is handed out with it cleared
/// (as `keyGroup` plus the bytes after the prefix).
public struct CanonicalKeyGroupBlock {
    public static let firstBitInByteMask: UInt8 = 0x80
    public static let endOfKeyGroupMark: UInt16 = 0xFFFF

    /// One raw entry: the state it belongs to, the key group from its prefix, and readers over
    /// the key bytes after the prefix and over the value bytes (both share the block's storage).
    public struct RawEntry {
        public var stateIndex: Int
        public var keyGroup: Int
        public var keyAfterPrefix: ByteReader
        public var value: ByteReader

        public init(stateIndex: Int, keyGroup: Int, keyAfterPrefix: ByteReader, value: ByteReader) {
            self.stateIndex = stateIndex
            self.keyGroup = keyGroup
            self.keyAfterPrefix = keyAfterPrefix
            self.value = value
        }
    }

    /// Calls `body` for each entry of the block in `r` (already decompressed), until the end mark.
    public static func forEachEntry(
        in r: inout ByteReader, keyGroupPrefixBytes: Int, stateCount: Int,
        _ body: (RawEntry) throws -> Void
    ) throws {
        try forEachEntryInPlace(in: &r, keyGroupPrefixBytes: keyGroupPrefixBytes, stateCount: stateCount) { try body($0) }
    }

    /// `forEachEntry` handing each entry over `inout`, so a caller can read its key and value
    /// readers where they are (no copy of the readers, and of their storage reference, per entry).
    public static func forEachEntryInPlace(
        in r: inout ByteReader, keyGroupPrefixBytes: Int, stateCount: Int,
        _ body: (inout RawEntry) throws -> Void
    ) throws {
        var stateIndex = try readStateIndex(&r, stateCount: stateCount)
        while try !readEntry(&r, keyGroupPrefixBytes: keyGroupPrefixBytes, stateCount: stateCount,
                             stateIndex: &stateIndex, body) {}
    }

    /// Reads one entry, calls `body`, then reads the next state id when the entry says one follows.
    /// True at the end of the key group.
    static func readEntry(
        _ r: inout ByteReader, keyGroupPrefixBytes: Int, stateCount: Int, stateIndex: inout Int,
        _ body: (inout RawEntry) throws -> Void
    ) throws -> Bool {
        let keyAt = r.fileOffset
        let keyLength = try r.readCount("a key length")
        guard keyLength >= keyGroupPrefixBytes else {
            throw FormatError(offset: keyAt, "expected a key of at least \(keyGroupPrefixBytes) prefix bytes, found length \(keyLength)")
        }
        var key = try r.readSlice(keyLength, what: "a key")
        let first = try key.readU8()
        var keyGroup = Int(first & ~firstBitInByteMask)
        if keyGroupPrefixBytes == 2 { keyGroup = keyGroup << 8 | Int(try key.readU8()) }
        let valueLength = try r.readCount("a value length")
        let value = try r.readSlice(valueLength, what: "a value")
        var entry = RawEntry(stateIndex: stateIndex, keyGroup: keyGroup, keyAfterPrefix: key, value: value)
        try body(&entry)
        guard first & firstBitInByteMask != 0 else { return false }
        guard let next = try readNextStateIndex(&r, stateCount: stateCount) else { return true }
        stateIndex = next
        return false
    }

    /// After an entry whose flag bit is set: the next state id, or nil for the end-of-key-group mark.
    static func readNextStateIndex(_ r: inout ByteReader, stateCount: Int) throws -> Int? {
        let markAt = r.fileOffset
        let next = try r.readU16("the next state id or the end-of-key-group mark")
        if next == endOfKeyGroupMark { return nil }
        guard Int(next) < stateCount else {
            throw FormatError(offset: markAt, "expected a state id below \(stateCount) or 0xFFFF, found \(next)")
        }
        return Int(next)
    }

    static func readStateIndex(_ r: inout ByteReader, stateCount: Int) throws -> Int {
        let at = r.fileOffset
        let id = Int(try r.readU16("a state id"))
        guard id < stateCount else {
            throw FormatError(offset: at, "expected a state id below \(stateCount), found \(id)")
        }
        return id
    }
}
