import Bytes

extension KeyedStateStream {
    /// Every raw entry of a canonical stream, in key-group order, handed over `inout` (read its
    /// readers in place); with the checks and error locations of `forEachEntry` (an entry whose
    /// key-group prefix disagrees with its block is an error). For the dump's direct JSON path.
    public func forEachRawEntryInPlace(_ body: (inout CanonicalKeyGroupBlock.RawEntry) throws -> Void) throws {
        guard layout == .canonical else {
            throw FormatError(file: source.name, offset: 0, "raw entries exist only in the canonical layout")
        }
        for (keyGroup, range) in keyGroupRanges() {
            try locatingErrors(inKeyGroup: keyGroup, range: range) {
                var r = try blockReader(keyGroup: keyGroup, range: range)
                try CanonicalKeyGroupBlock.forEachEntryInPlace(
                    in: &r, keyGroupPrefixBytes: keyGroupPrefixBytes, stateCount: schemas.count
                ) { raw in
                    guard raw.keyGroup == keyGroup else {
                        throw raw.keyAfterPrefix.error("entry of key group \(raw.keyGroup) inside the block of key group \(keyGroup)")
                    }
                    try body(&raw)
                }
            }
        }
    }

    /// `forEachRawEntryInPlace`, offering each well-framed entry first as bytes in place
    /// (`CanonicalKeyGroupBlock.forEachEntry(in:…inPlace:_:)`). `inPlace` gets only entries whose
    /// key group matches their block; the others go to `body`, and from there to the error.
    public func forEachRawEntryInPlace(
        inPlace: (CanonicalKeyGroupBlock.EntryBytes) throws -> Bool,
        _ body: (inout CanonicalKeyGroupBlock.RawEntry) throws -> Void
    ) throws {
        guard layout == .canonical else {
            throw FormatError(file: source.name, offset: 0, "raw entries exist only in the canonical layout")
        }
        for (keyGroup, range) in keyGroupRanges() {
            try locatingErrors(inKeyGroup: keyGroup, range: range) {
                var r = try blockReader(keyGroup: keyGroup, range: range)
                try CanonicalKeyGroupBlock.forEachEntry(
                    in: &r, keyGroupPrefixBytes: keyGroupPrefixBytes, stateCount: schemas.count,
                    inPlace: { $0.keyGroup == keyGroup ? try inPlace($0) : false }
                ) { raw in
                    guard raw.keyGroup == keyGroup else {
                        throw raw.keyAfterPrefix.error("entry of key group \(raw.keyGroup) inside the block of key group \(keyGroup)")
                    }
                    try body(&raw)
                }
            }
        }
    }
}
