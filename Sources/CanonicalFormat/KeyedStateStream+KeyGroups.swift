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
