import Bytes
import Foundation
import Testing
@testable import SavepointMetadata

/// Every real `_metadata` under `fixtures/` (found at test time, so new Flink versions and shapes
/// are covered without editing this file): read → write is byte-identical and every referenced
/// stream resolves inside its savepoint and exists.
@Suite struct FixtureRoundTripTests {
    static let files = fixtureMetadataFiles()

    @Test(.enabled(if: !files.isEmpty, "no fixtures generated yet"), arguments: files)
    func roundTripIsByteIdentical(_ file: URL) throws {
        let bytes = try readFile(file)
        let metadata = try CheckpointMetadata.read(from: bytes)
        #expect(try metadata.serialized() == bytes, "\(file.path)")
        #expect(!metadata.operatorStates.isEmpty, "\(file.path)")
    }

    @Test(.enabled(if: !files.isEmpty, "no fixtures generated yet"), arguments: files)
    func everyReferencedStreamResolves(_ file: URL) throws {
        let metadata = try CheckpointMetadata.read(from: try readFile(file))
        let location = StateLocation(savepointDirectory: file.path)
        for reference in location.referencedStreams(of: metadata) {
            switch reference.resolved {
            case let .success(resolved):
                #expect(reference.isPresent, "\(file.path): \(resolved) is missing")
                if case let .file(range) = resolved {
                    #expect(range.path.hasPrefix(location.rootDirectory + "/"), "\(range.path) escapes")
                    let size = (try? FileManager.default.attributesOfItem(atPath: range.path)[.size] as? Int) ?? -1
                    #expect(Int64(size) >= range.offset + range.length, "\(range.path) is shorter than its handle says")
                }
            case let .failure(error):
                Issue.record("\(file.path): \(error)")
            }
        }
    }

    /// A fixture moved to another directory still resolves (relative and absolute handles alike).
    @Test(.enabled(if: !files.isEmpty, "no fixtures generated yet"), arguments: files)
    func movedCopyStillResolves(_ file: URL) throws {
        let source = file.deletingLastPathComponent()
        let copy = try makeTemporaryDirectory("moved").appendingPathComponent(source.lastPathComponent)
        defer { removeTemporaryRoot(copy) }
        try FileManager.default.copyItem(at: source, to: copy)
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        let metadata = try CheckpointMetadata.read(from: try readFile(copy.appendingPathComponent("_metadata")))
        guard StateLocation(savepointDirectory: source.path).jobDirectory == nil else { return }
        let refs = StateLocation(savepointDirectory: copy.path).referencedStreams(of: metadata)
        let missing = refs.filter { !$0.isPresent }
        #expect(missing.isEmpty, "\(file.path) does not resolve after moving: \(missing.map(\.resolved))")
    }
}

/// The fixture's own description (`fixture.json`, next to or above the savepoint directory).
private func fixtureDescription(for metadataFile: URL) throws -> [String: Any]? {
    var dir = metadataFile.deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("fixture.json")
        if FileManager.default.fileExists(atPath: candidate.path) {
            return try JSONSerialization.jsonObject(with: Data(contentsOf: candidate)) as? [String: Any]
        }
        dir.deleteLastPathComponent()
    }
    return nil
}

@Suite struct FixtureShapeTests {
    static let files = fixtureMetadataFiles()

    /// The keyed handles match how the fixture was taken: canonical savepoints use tag 7, heap
    /// native savepoints the checkpoint key-groups handle (tag 12), RocksDB native savepoints and
    /// checkpoints (and ForSt native savepoints) the incremental handle (tag 11).
    @Test(.enabled(if: !files.isEmpty, "no fixtures generated yet"), arguments: files)
    func keyedHandlesMatchTheSnapshotFormat(_ file: URL) throws {
        guard let description = try fixtureDescription(for: file),
              let format = description["snapshotFormat"] as? String,
              let backend = description["backend"] as? String else { return }
        let metadata = try CheckpointMetadata.read(from: try readFile(file))
        let keyed = metadata.operatorStates.flatMap { $0.subtaskStates.compactMap { $0.state?.managedKeyedState } }
        #expect(!keyed.isEmpty, "\(file.path) has no keyed state")
        for handle in keyed {
            switch (format, backend, handle) {
            case ("canonical", _, .keyGroups(let h)): #expect(h.kind == .savepoint)
            case ("native", "hashmap", .keyGroups(let h)), ("checkpoint", "hashmap", .keyGroups(let h)):
                #expect(h.kind == .checkpoint && h.stateHandleId != nil)
            case ("native", "rocksdb", .incrementalRemote(let h)), ("checkpoint", "rocksdb", .incrementalRemote(let h)),
                 ("native", "forst", .incrementalRemote(let h)):
                #expect(h.kind == .v2)
                #expect(h.stateSize > 0)
            default:
                Issue.record("\(file.path): unexpected \(handle) for \(backend) \(format)")
            }
        }
        if let maxParallelism = description["maxParallelism"] as? Int {
            let covered = keyed.map(\.keyGroupRange.numberOfKeyGroups).reduce(0, +)
            #expect(covered == maxParallelism, "key groups of all subtasks must cover 0..<maxParallelism")
        }
    }

    /// Cuts and flips on real bytes (the small fixtures, to keep the test quick).
    @Test(.enabled(if: !files.isEmpty, "no fixtures generated yet"), arguments: files)
    func corruptedRealMetadataNeverCrashes(_ file: URL) throws {
        let bytes = try readFile(file)
        guard bytes.count <= 4096 else { return }
        let trailer = try CheckpointMetadata.read(from: bytes).checkpointProperties?.count ?? 0
        for cut in 0..<(bytes.count - trailer) {
            #expect(throws: FormatError.self, "cut at \(cut)") { try CheckpointMetadata.read(from: Array(bytes[..<cut])) }
        }
        for i in 0..<(bytes.count - trailer) {
            var mutated = bytes
            mutated[i] ^= 0xFF
            if let metadata = try? CheckpointMetadata.read(from: mutated) {
                #expect(try metadata.serialized() == mutated, "flip at \(i) parsed but did not round-trip")
            }
        }
    }
}
