import Foundation
import LSMFormat

/// How `LSMKeyedStateWriter` lays out a RocksDB instance. The defaults are what restored on real
/// Flink: FRocksDB 8.10 tables (Flink 2.x), Snappy blocks of 4 KiB, files at the bottom level.
public struct LSMWriteOptions: Sendable {
    /// Block compression of the SSTs: `.none`, `.snappy` (Flink's default), `.lz4` or `.zstd`.
    public var compression: BlockCompression
    /// The FRocksDB the files should look written by: `.frocksdb6_20` for Flink 1.15–1.20
    /// (CRC32c checksums, no 8.x MANIFEST fields), `.frocksdb8_10` for Flink 2.x.
    public var release: RocksDBRelease
    /// The handle's checkpoint id (Flink keeps the savepoint's id; any value restores).
    public var checkpointId: Int64
    /// An SST is closed and the next one started once it reaches this size, as RocksDB's
    /// `target_file_size_base` (64 MiB) does; the files of a family cover disjoint key ranges.
    public var targetFileSize: UInt64 = 64 << 20
    /// The LSM level of every SST. The last level (6) holds disjoint files without making RocksDB
    /// compact them on open; level 0 is where a flush (Flink's own snapshot) puts them.
    public var level: Int = Manifest.levelCount - 1
    public var blockSize = 4096
    /// `nil`: a random UUID, as each Flink backend instance gets one.
    public var backendIdentifier: String?
    /// Also write an `OPTIONS-NNNNNN` file (RocksDB ignores it on open; `ldb` and humans use it).
    public var writesOptionsFile = true
    /// The key-group compression flag written in the meta-data stream's serialization proxy
    /// (`nil`: keep the reader's). Flink's native snapshots set it from snapshot compression;
    /// restoring a native savepoint does not use it.
    public var keyGroupCompressionFlag: Bool?
    /// The number of the first SST (`000010.sst`); the MANIFEST and OPTIONS files follow the last.
    public var firstFileNumber: UInt64 = 10

    public init(compression: BlockCompression = .snappy, release: RocksDBRelease = .frocksdb8_10,
                checkpointId: Int64 = 1) {
        self.compression = compression
        self.release = release
        self.checkpointId = checkpointId
    }
}
