import Foundation
import SavepointKit
import SavepointMetadata
import SavepointTestSupport
import Testing

/// `report`'s orphans: nothing Flink wrote is one, and extra files, tables no MANIFEST lists and
/// their bytes are found in copies of fixtures.
@Suite struct OrphansTests {
    @Test(arguments: SizeReportTests.everyFixture)
    func flinksOwnSavepointsHaveNoOrphans(_ path: String) throws {
        let report = try SizeReport(try Savepoint.open(path), top: 0)
        #expect(report.orphans.isEmpty, "\(report.orphans)")
    }

    /// A copy of a 2.3.0 basic fixture in a scratch directory, removed after `body`.
    static func withCopy(_ form: String, _ body: (URL) throws -> Void) throws {
        let dir = try Scratch.directory("orphans")
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("savepoint")
        try FileManager.default.copyItem(at: Fixture.root.appendingPathComponent("2.3.0/basic/\(form)/savepoint"), to: copy)
        try body(copy)
    }

    @Test func filesMetadataDoesNotReferenceAreOrphansOfTheFirstShard() throws {
        try Self.withCopy("filesystem") { copy in
            let before = try SizeReport(try Savepoint.open(copy.path), top: 0)
            try Data(repeating: 7, count: 123).write(to: copy.appendingPathComponent("stray.bin"))
            try FileManager.default.createDirectory(at: copy.appendingPathComponent("old"), withIntermediateDirectories: true)
            try Data(repeating: 1, count: 7).write(to: copy.appendingPathComponent("old/part-0"))
            let savepoint = try Savepoint.open(copy.path)
            let report = try SizeReport(savepoint, top: 0)
            let real = copy.resolvingSymlinksInPath().path
            #expect(report.orphans == [
                Orphan(kind: "file", name: real + "/old/part-0", bytes: 7),
                Orphan(kind: "file", name: real + "/stray.bin", bytes: 123),
            ])
            #expect(report.totalBytes == before.totalBytes, "unreferenced files are not the savepoint's bytes")
            #expect(try SizeReport(savepoint, top: 0, shard: SubtaskShard(0...0)).orphans.count == 2)
            #expect(try SizeReport(savepoint, top: 0, shard: SubtaskShard(1...1)).orphans.isEmpty)
        }
    }

    @Test func aTableTheManifestDoesNotListIsAnOrphanOfItsSubtask() throws {
        try Self.withCopy("rocksdb-native") { copy in
            let metadataFile = copy.appendingPathComponent("_metadata")
            var metadata = try CheckpointMetadata.read(from: Array(try Data(contentsOf: metadataFile)))
            let i = try #require(metadata.operatorStates.firstIndex { $0.subtaskState(1)?.managedKeyedState != nil })
            let j = try #require(metadata.operatorStates[i].subtaskStates.firstIndex { $0.subtaskIndex == 1 })
            guard case var .incrementalRemote(h)? = metadata.operatorStates[i].subtaskStates[j].state?.managedKeyedState,
                  let table = (h.sharedState + h.privateState).first(where: { $0.localPath.hasSuffix(".sst") }),
                  case let .byteStream(_, data)? = table.handle
            else { throw CancellationError() }
            // The same table again under a file number the MANIFEST does not know (small files
            // are inline in _metadata, as Flink wrote this one).
            h.privateState.append(HandleAndLocalPath(localPath: "999999.sst", handle: table.handle))
            let size = Int64(data.count)
            metadata.operatorStates[i].subtaskStates[j].state?.managedKeyedState = .incrementalRemote(h)
            try Data(try metadata.serialized()).write(to: metadataFile)

            let savepoint = try Savepoint.open(copy.path)
            let report = try SizeReport(savepoint, top: 0)
            let uid = try #require(metadata.operatorStates[i].uid)
            #expect(report.orphans == [Orphan(kind: "table", name: "999999.sst", operator: uid, subtask: 1, bytes: size)])
            #expect(try SizeReport(savepoint, top: 0, shard: SubtaskShard(0...0)).orphans.isEmpty)
            #expect(try SizeReport(savepoint, top: 0, shard: SubtaskShard(1...1)).orphans.count == 1)
            // The entries are those of the untouched savepoint: RocksDB never opens the table.
            let original = try SizeReport(try Savepoint.open(Fixture.root.appendingPathComponent("2.3.0/basic/rocksdb-native/savepoint").path), top: 0)
            #expect(report.operators.flatMap(\.states).map(\.entries) == original.operators.flatMap(\.states).map(\.entries))
        }
    }
}
