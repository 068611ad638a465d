import Foundation
import LSMFormat
import SavepointMetadata

/// The one place where conversion meets the LSM (RocksDB native) form: reading an LSM instance as
/// raw entries (`LSMRawKeyedStateReader`) and writing one (`LSMKeyedStateWriter`).
enum LSMConversion {
    static func reader(_ handle: IncrementalRemoteKeyedStateHandle, of op: OperatorState,
                       in savepoint: Savepoint) throws -> any RawKeyedStateReader {
        try LSMRawKeyedStateReader(savepoint: savepoint, handle: handle, of: op)
    }

    static func write(_ reader: some RawKeyedStateReader, options: ConvertOptions, metadataVersion: Int32,
                      checkpointId: Int64, placement: StreamPlacement) throws -> KeyedStateHandle {
        var lsm = LSMWriteOptions(compression: blockCompression(options.tableCompression),
                                  release: release(forMetadataVersion: metadataVersion), checkpointId: checkpointId)
        lsm.keyGroupCompressionFlag = options.snapshotCompression
        return .incrementalRemote(try LSMKeyedStateWriter.write(reader, options: lsm, placement: placement))
    }

    /// Flink 1.x (metadata version ≤ 4) runs FRocksDB 6.20; Flink 2.x (version 5+) FRocksDB 8.10.
    static func release(forMetadataVersion version: Int32) -> RocksDBRelease {
        version >= 5 ? .frocksdb8_10 : .frocksdb6_20
    }

    static func blockCompression(_ c: ConvertOptions.TableCompression) -> BlockCompression {
        switch c {
        case .none: .none
        case .snappy: .snappy
        case .lz4: .lz4
        case .zstd: .zstd
        }
    }
}
