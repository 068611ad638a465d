import CanonicalFormat
import Foundation
import SavepointMetadata
import Testing
@testable import SavepointKit
import SavepointTestSupport

/// The canonical stream writer reproduces Flink's own bytes: RocksDB writes canonical savepoints
/// sorted by state and key, as the raw reader hands entries over, so reading a rocksdb-canonical
/// fixture and writing it again must give the identical stream and offsets.
@Suite struct ConvertWriterTests {
    static let rocksdbCanonical = Fixture.all.filter { $0.form == "rocksdb-canonical" }

    @Test(arguments: rocksdbCanonical)
    func rewritingFlinksCanonicalStreamGivesTheSameBytes(_ fixture: Fixture) throws {
        let savepoint = try Savepoint.open(fixture.savepointPath)
        var compared = 0
        for op in savepoint.metadata.operatorStates {
            for case let .keyGroups(h)? in op.subtaskStates.map({ $0.state?.managedKeyedState }) {
                let stream = try savepoint.openKeyedStream(.keyGroups(h), of: op)
                let reader = KeyedStateStreamRawReader(stream: stream, keyGroupRange: h.keyGroupRange)
                var bytes: [UInt8] = []
                var writer = try KeyedStateStreamWriter(
                    proxy: reader.proxy, startKeyGroup: h.keyGroupRange.startKeyGroup,
                    numberOfKeyGroups: h.keyGroupRange.numberOfKeyGroups, sink: { bytes += $0 })
                try reader.forEachKeyGroup { try writer.writeKeyGroup($0) }
                #expect(writer.offsets == h.offsets, "\(fixture) \(op.displayName)")
                #expect(bytes == (try stream.source.read(0..<stream.source.size)), "\(fixture) \(op.displayName)")
                compared += 1
            }
        }
        #expect(compared > 0)
    }

    /// Heap streams (hash order, whole lists and maps per key) become the same raw entries as
    /// Flink's RocksDB canonical stream of the same job state.
    @Test func heapAndRocksDBStreamsGiveTheSameDigest() throws {
        for version in ["2.3.0", "1.20.5"] {
            guard let heap = Fixture.all.first(where: { $0.form == "hashmap-native" && $0.directory.path.contains("/\(version)/basic/") }),
                  let rocks = Fixture.all.first(where: { $0.form == "rocksdb-canonical" && $0.directory.path.contains("/\(version)/basic/") })
            else { continue }
            #expect(try Self.digests(heap) == Self.digests(rocks), "\(version)")
        }
    }

    static func digests(_ fixture: Fixture) throws -> [String: StateDigest] {
        let savepoint = try Savepoint.open(fixture.savepointPath)
        var out: [String: StateDigest] = [:]
        for op in savepoint.metadata.operatorStates {
            for case let handle? in op.subtaskStates.map({ $0.state?.managedKeyedState }) {
                out["\(op.operatorID.hex) \(handle.keyGroupRange)"] = try RawKeyedStateReaders.open(handle, of: op, in: savepoint).digest()
            }
        }
        return out
    }
}
