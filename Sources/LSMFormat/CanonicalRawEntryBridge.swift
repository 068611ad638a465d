import Bytes
import CanonicalFormat

/// RocksDB stores Flink's canonical key bytes (key-group prefix, key, namespace, map user key) and
/// value bytes as they are, so one visible RocksDB entry becomes one canonical raw entry and the
/// canonical decoder does the rest.
enum CanonicalRawEntryBridge {
    static func decode(key: [UInt8], value: [UInt8], stateIndex: Int,
                       keyGroupPrefixBytes: Int, schema: KeyedStateSchema) throws -> KeyedStateEntry {
        var keyReader = ByteReader(key)
        guard key.count >= keyGroupPrefixBytes else {
            throw FormatError(offset: 0, "expected a key starting with a \(keyGroupPrefixBytes)-byte key-group prefix")
        }
        var keyGroup = 0
        for _ in 0..<keyGroupPrefixBytes { keyGroup = keyGroup << 8 | Int(try keyReader.readU8()) }
        let raw = CanonicalKeyGroupBlock.RawEntry(
            stateIndex: stateIndex, keyGroup: keyGroup, keyAfterPrefix: keyReader, value: ByteReader(value))
        return try schema.decodeCanonical(raw)
    }
}
