import Bytes

/// How a table is written: the block-based table options Flink's RocksDB backend runs with
/// (`[TableOptions/BlockBasedTable]` and the CF options of its OPTIONS file), and the identity
/// the properties block records (column family, comparator, merge operator, times, ids).
public struct TableOptions: Sendable {
    public var release: RocksDBRelease
    /// 2…5; Flink uses 5 (user-key index, index value delta encoding, 53-byte footer).
    public var formatVersion: UInt32 = 5
    public var checksum: ChecksumType
    /// `.none`, `.snappy` (Flink's default), `.lz4`, `.lz4hc` or `.zstd`.
    public var compression: BlockCompression = .snappy
    /// `enable_index_compression`: the index block may be compressed too (it rarely pays off).
    public var compressIndex = true
    public var blockSize = 4096
    public var blockSizeDeviation = 10
    public var blockRestartInterval = 16
    public var indexBlockRestartInterval = 1

    public var columnFamilyID: UInt32
    public var columnFamilyName: String
    public var comparatorName = TableOptions.bytewiseComparator
    /// `nil` is recorded as RocksDB records a missing operator ("nullptr").
    public var mergeOperatorName: String? = TableOptions.flinkMergeOperator
    /// `nil`: what the release prints for default compression options.
    public var compressionOptions: String?

    /// Unix seconds; 0 = unknown (RocksDB's value when it has no better one).
    public var creationTime: UInt64 = 0
    public var oldestKeyTime: UInt64 = 0
    /// Written only when non-zero.
    public var fileCreationTime: UInt64 = 0
    /// Written only when non-empty (RocksDB's DB id, session id and host name).
    public var dbIdentity = ""
    public var dbSessionIdentity = ""
    public var dbHostIdentity = ""
    /// The file number the table is created with (8.x property; written only when non-zero).
    public var originalFileNumber: UInt64 = 0

    public static let bytewiseComparator = "leveldb.BytewiseComparator"
    /// What `stringappendtest` (Flink's `MERGE_OPERATOR_NAME`) calls itself in the properties.
    public static let flinkMergeOperator = "StringAppendTESTOperator"

    public init(columnFamilyID: UInt32, columnFamilyName: String, release: RocksDBRelease = .frocksdb8_10,
                compression: BlockCompression = .snappy, checksum: ChecksumType? = nil) {
        self.columnFamilyID = columnFamilyID
        self.columnFamilyName = columnFamilyName
        self.release = release
        self.compression = compression
        self.checksum = checksum ?? release.defaultChecksum
    }

    /// `ceil(block_size · (100 − deviation) / 100)`: above this a block is closed early rather
    /// than overshoot `blockSize` (`FlushBlockBySizePolicy`).
    var blockSizeDeviationLimit: Int { (blockSize * (100 - blockSizeDeviation) + 99) / 100 }

    /// Table options RocksDB would refuse, or that we do not write, as a `FormatError`.
    func validate() throws {
        guard (2...5).contains(formatVersion) else {
            throw FormatError(offset: 0, "can write table format_version 2–5, not \(formatVersion)")
        }
        switch compression {
        case .none, .snappy, .lz4, .lz4hc, .zstd: break
        default: throw FormatError(offset: 0, "cannot write \(compression) compressed blocks")
        }
        guard blockSize > 0, (0...100).contains(blockSizeDeviation), blockRestartInterval > 0,
              indexBlockRestartInterval > 0 else {
            throw FormatError(offset: 0, "block size, deviation and restart intervals must be positive")
        }
    }
}
