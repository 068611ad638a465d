import Bytes

/// Key group by key group access for callers that must keep going after a bad block (`validate`):
/// an error thrown here concerns only the one key group, and the next one can still be read.
extension KeyedStateStream {
    /// Every decoded entry of one key group (`byteRange` from `keyGroupRanges()`), either layout.
    public func forEachEntry(
        inKeyGroup keyGroup: Int, byteRange: Range<Int>, _ body: (KeyedStateEntry) throws -> Void
    ) throws {
        try forEachEntry(inKeyGroup: keyGroup, range: byteRange, body)
    }

    /// Every raw entry of one key group of a canonical stream, without checking that the key-group
    /// prefix of each key matches the block: the caller decides what a mismatch means.
    public func forEachRawEntry(
        inKeyGroup keyGroup: Int, byteRange: Range<Int>, _ body: (CanonicalKeyGroupBlock.RawEntry) throws -> Void
    ) throws {
        guard layout == .canonical else {
            throw FormatError(file: source.name, offset: 0, "raw entries exist only in the canonical layout")
        }
        var r = try blockReader(keyGroup: keyGroup, range: byteRange)
        try CanonicalKeyGroupBlock.forEachEntry(
            in: &r, keyGroupPrefixBytes: keyGroupPrefixBytes, stateCount: schemas.count, body)
    }
}

extension KeyedStateStream {
    /// `forEachRawEntry(inKeyGroup:byteRange:_:)`, offering each well-framed entry first as bytes
    /// in place (`CanonicalKeyGroupBlock.forEachEntry(in:…inPlace:_:)`): when `inPlace` returns
    /// false the entry goes to `body` as a `RawEntry`. The key-group prefix is not checked here
    /// either; framing errors are the reader-based loop's, with the same offsets.
    public func forEachRawEntry(
        inKeyGroup keyGroup: Int, byteRange: Range<Int>,
        inPlace: (CanonicalKeyGroupBlock.EntryBytes) throws -> Bool,
        _ body: (inout CanonicalKeyGroupBlock.RawEntry) throws -> Void
    ) throws {
        guard layout == .canonical else {
            throw FormatError(file: source.name, offset: 0, "raw entries exist only in the canonical layout")
        }
        var r = try blockReader(keyGroup: keyGroup, range: byteRange)
        try CanonicalKeyGroupBlock.forEachEntry(
            in: &r, keyGroupPrefixBytes: keyGroupPrefixBytes, stateCount: schemas.count, inPlace: inPlace, body)
    }
}

extension KeyedStateStream {
    /// Every entry of one key group of a canonical stream as bytes: in place when well framed,
    /// else copied out of the reader-based path (which reports framing errors with their
    /// offsets). An entry whose key-group prefix names another key group is an error here.
    /// The buffers are valid during the call only.
    public func forEachEntryBytes(
        inKeyGroup keyGroup: Int, byteRange: Range<Int>,
        _ body: (_ stateIndex: Int, _ keyAfterPrefix: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        try forEachRawEntry(inKeyGroup: keyGroup, byteRange: byteRange, inPlace: { e in
            guard e.keyGroup == keyGroup else { return false }
            try body(e.stateIndex, e.keyAfterPrefix, e.value)
            return true
        }) { raw in
            guard raw.keyGroup == keyGroup else {
                throw raw.keyAfterPrefix.error("entry of key group \(raw.keyGroup) inside the block of key group \(keyGroup)")
            }
            try raw.keyAfterPrefix.remainingBytes.withUnsafeBufferPointer { k in
                try raw.value.remainingBytes.withUnsafeBufferPointer { v in try body(raw.stateIndex, k, v) }
            }
        }
    }
}
