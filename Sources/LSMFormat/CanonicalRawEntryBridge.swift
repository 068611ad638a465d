import Bytes
import CanonicalFormat

/// Hands one RocksDB entry to `KeyedStateSchema.decodeCanonical`, which takes a
/// `CanonicalKeyGroupBlock.RawEntry`. That type has no public initialiser, so the entry is framed
/// as a one-entry canonical key-group block (`i16 state id, i32 key length, key with the
/// end-of-block flag bit set, i32 value length, value, 0xFFFF`) and parsed back: the key and value
/// bytes reach the decoder unchanged.
///
/// A public `RawEntry.init` in CanonicalFormat would save this copy.
enum CanonicalRawEntryBridge {
    static func decode(key: [UInt8], value: [UInt8], stateIndex: Int, stateCount: Int,
                       keyGroupPrefixBytes: Int, schema: KeyedStateSchema) throws -> KeyedStateEntry {
        guard key.count >= keyGroupPrefixBytes, let first = key.first,
              first & CanonicalKeyGroupBlock.firstBitInByteMask == 0 else {
            throw FormatError(offset: 0, "expected a key starting with a \(keyGroupPrefixBytes)-byte key-group prefix")
        }
        var w = ByteWriter()
        w.writeU16(UInt16(stateIndex))
        w.writeI32(Int32(key.count))
        w.writeU8(first | CanonicalKeyGroupBlock.firstBitInByteMask)
        w.writeBytes(key.dropFirst())
        w.writeI32(Int32(value.count))
        w.writeBytes(value)
        w.writeU16(CanonicalKeyGroupBlock.endOfKeyGroupMark)
        var r = ByteReader(w.bytes)
        var decoded: KeyedStateEntry?
        try CanonicalKeyGroupBlock.forEachEntry(in: &r, keyGroupPrefixBytes: keyGroupPrefixBytes, stateCount: stateCount) {
            decoded = try schema.decodeCanonical($0)
        }
        guard let decoded else { throw FormatError(offset: 0, "the entry could not be framed for decoding") }
        return decoded
    }
}
