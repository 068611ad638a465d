/// The FRocksDB release a written DB should look as if it came from. The byte formats are the
/// same; what differs is defaults and small details that a byte-for-byte rewrite must follow.
///
/// | | 6.20.3 (Flink 1.14–1.20) | 8.10.0 (Flink 2.x) |
/// |---|---|---|
/// | default checksum | CRC32c | XXH3 |
/// | seek type in shortened internal-key separators | 0x14 | 0x16 |
/// | "keep compressed" rule | `c < raw − raw/8` | `c ≤ raw·896/1024` |
/// | properties | — | + original.file.number, tail.start.offset, num.filter_entries |
/// | MANIFEST | — | + PersistUserDefinedTimestamps, epoch number, tail size |
public enum RocksDBRelease: Sendable, CaseIterable, CustomStringConvertible {
    case frocksdb6_20
    case frocksdb8_10

    public var version: String {
        switch self {
        case .frocksdb6_20: "6.20.3"
        case .frocksdb8_10: "8.10.0"
        }
    }

    public var description: String { "FRocksDB \(version)" }

    /// `BlockBasedTableOptions::checksum`'s default.
    public var defaultChecksum: ChecksumType {
        switch self {
        case .frocksdb6_20: .crc32c
        case .frocksdb8_10: .xxh3
        }
    }

    /// `kValueTypeForSeek` (`db/dbformat.h`): the type byte put after the maximal sequence number
    /// when a shortened separator has to stay an internal key.
    var valueTypeForSeek: UInt8 {
        switch self {
        case .frocksdb6_20: ValueType.deletionWithTimestamp.rawValue
        case .frocksdb8_10: ValueType.wideColumnEntity.rawValue
        }
    }

    /// Whether compressing `rawSize` bytes to `compressedSize` saves enough (12.5%) to keep the
    /// compressed form (`GoodCompressionRatio`; 8.x expresses it as max_compressed_bytes_per_kb 896).
    func keepsCompressed(_ compressedSize: Int, rawSize: Int) -> Bool {
        switch self {
        case .frocksdb6_20: compressedSize < rawSize - rawSize / 8
        case .frocksdb8_10: UInt64(compressedSize) <= (896 * UInt64(rawSize)) >> 10
        }
    }

    /// `rocksdb.compression_options` as the release prints Flink's (default) compression options.
    var compressionOptionsProperty: String {
        let common = "window_bits=-14; level=32767; strategy=0; max_dict_bytes=0; zstd_max_train_bytes=0; "
            + "enabled=0; max_dict_buffer_bytes=0; "
        switch self {
        case .frocksdb6_20: return common
        case .frocksdb8_10: return common + "use_zstd_dict_trainer=1; "
        }
    }

    /// Properties added after 6.20.
    var writesNewerProperties: Bool { self == .frocksdb8_10 }
    /// MANIFEST fields added after 6.20 (PersistUserDefinedTimestamps, NewFile4 epoch and tail size).
    var writesNewerManifestFields: Bool { self == .frocksdb8_10 }
}
