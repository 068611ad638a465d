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
        try FileManager.default.copyItem(at: source, to: copy)
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        let metadata = try CheckpointMetadata.read(from: try readFile(copy.appendingPathComponent("_metadata")))
        guard StateLocation(savepointDirectory: source.path).jobDirectory == nil else { return }
        let refs = StateLocation(savepointDirectory: copy.path).referencedStreams(of: metadata)
        let missing = refs.filter { !$0.isPresent }
        #expect(missing.isEmpty, "\(file.path) does not resolve after moving: \(missing.map(\.resolved))")
    }
}
