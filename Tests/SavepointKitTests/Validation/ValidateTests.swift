import Bytes
import CanonicalFormat
import Foundation
import SavepointKit
import SavepointMetadata
import Testing
import SavepointTestSupport

/// `validate` on every real fixture (clean, quick and deep) and on damaged copies of one, where
/// each kind of damage must give its finding code, never a crash.
@Suite struct ValidateTests {
    static let fixtures = Fixture.all
    /// A filesystem savepoint with its keyed state in uncompressed canonical files beside `_metadata`.
    static let sample = fixtures.first { $0.form == "filesystem" && $0.directory.path.contains("2.3.0/basic") }

    @Test(arguments: fixtures)
    func everyFixtureValidatesClean(_ fixture: Fixture) throws {
        let path = try #require(fixture.readablePath)
        for deep in [false, true] {
            let report = try Validator.validate(path, deep: deep)
            #expect(report.findings.isEmpty, "\(fixture) deep=\(deep): \(report.findings.map { "\($0.code.rawValue): \($0.message)" })")
            #expect(report.valid && report.checked.operators > 0 && report.checked.subtasks > 0)
            if deep {
                #expect(report.checked.keyedEntries > 0, "\(fixture): deep validation decoded no keyed entry")
                #expect(report.checked.keysHashChecked > 0, "\(fixture): no key's key group was recomputed")
            }
        }
    }

    // MARK: damaged copies

    /// A copy of the sample savepoint in a temporary directory, removed after `body`.
    static func withDamagedCopy(_ damage: (URL, CheckpointMetadata) throws -> Void,
                                check: (URL) throws -> Void) throws {
        let fixture = try #require(sample)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sp-validate-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: fixture.savepointPath), to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let metadata = try CheckpointMetadata.read(from: Array(try Data(contentsOf: dir.appendingPathComponent("_metadata"))))
        try damage(dir, metadata)
        try check(dir)
    }

    /// The keyed operator, and the file of subtask 0's keyed state.
    static func keyedFile(_ metadata: CheckpointMetadata, in dir: URL) throws -> (OperatorState, URL) {
        let op = try #require(metadata.operatorStates.first { $0.subtaskState(0)?.managedKeyedState != nil })
        guard case let .keyGroups(h)? = op.subtaskState(0)?.managedKeyedState,
              case let .relativeFile(name, _) = h.delegate
        else { throw CancellationError() }
        return (op, dir.appendingPathComponent(name))
    }

    static func rewrite(_ metadata: CheckpointMetadata, in dir: URL) throws {
        try Data(try metadata.serialized()).write(to: dir.appendingPathComponent("_metadata"))
    }

    static func codes(_ report: ValidationReport, _ severity: Finding.Severity = .error) -> Set<String> {
        Set(report.findings.filter { $0.severity == severity }.map(\.code.rawValue))
    }

    @Test func removedStateFileIsMissing() throws {
        try Self.withDamagedCopy({ dir, metadata in
            try FileManager.default.removeItem(at: try Self.keyedFile(metadata, in: dir).1)
        }) { dir in
            for deep in [false, true] {
                let report = try Validator.validate(dir.path, deep: deep)
                #expect(Self.codes(report) == ["missing-file"], "\(report.findings)")
                #expect(report.findings.first?.location.subtask == 0)
                #expect(!report.valid && report.errors == 1)
            }
        }
    }

    @Test func truncatedStateFileIsTooSmall() throws {
        try Self.withDamagedCopy({ dir, metadata in
            let file = try Self.keyedFile(metadata, in: dir).1
            let bytes = try Data(contentsOf: file)
            try bytes.prefix(bytes.count / 2).write(to: file)
        }) { dir in
            let report = try Validator.validate(dir.path, deep: true)
            #expect(Self.codes(report) == ["file-too-small"], "\(report.findings)")
        }
    }

    /// Drops the first key group of subtask 1's keyed handle (a gap in the key groups); returns the handle.
    static func dropFirstKeyGroupOfSubtask1(_ metadata: inout CheckpointMetadata) throws -> KeyGroupsStateHandle {
        let i = try #require(metadata.operatorStates.firstIndex { $0.subtaskState(1)?.managedKeyedState != nil })
        let j = try #require(metadata.operatorStates[i].subtaskStates.firstIndex { $0.subtaskIndex == 1 })
        guard case var .keyGroups(h)? = metadata.operatorStates[i].subtaskStates[j].state?.managedKeyedState else {
            throw CancellationError()
        }
        h.keyGroupRange = KeyGroupRange(startKeyGroup: h.keyGroupRange.startKeyGroup + 1,
                                        numberOfKeyGroups: h.keyGroupRange.numberOfKeyGroups - 1)
        h.offsets.removeFirst()
        metadata.operatorStates[i].subtaskStates[j].state?.managedKeyedState = .keyGroups(h)
        return h
    }

    @Test func shrunkKeyGroupRangeLeavesAGap() throws {
        try Self.withDamagedCopy({ dir, metadata in
            var metadata = metadata
            _ = try Self.dropFirstKeyGroupOfSubtask1(&metadata)
            try Self.rewrite(metadata, in: dir)
        }) { dir in
            let report = try Validator.validate(dir.path)
            let savepoint = try Savepoint.open(dir.path)
            let op = try #require(savepoint.metadata.operatorStates.first { $0.subtaskState(1)?.managedKeyedState != nil })
            let gapStart = KeyGroupRange(maxParallelism: op.maxParallelism, parallelism: op.parallelism, subtaskIndex: 1).startKeyGroup
            #expect(Self.codes(report) == ["key-group-gap"], "\(report.findings)")
            #expect(report.findings.first { $0.code == .keyGroupGap }?.location.keyGroup == gapStart)
            #expect(Self.codes(report, .warning).contains("key-group-range-mismatch"))
        }
    }

    @Test func changedMaxParallelismMisplacesKeys() throws {
        try Self.withDamagedCopy({ dir, metadata in
            var metadata = metadata
            let i = try #require(metadata.operatorStates.firstIndex { $0.subtaskState(0)?.managedKeyedState != nil })
            // Still below 129, so keys keep their one-byte key-group prefix and decode.
            metadata.operatorStates[i].maxParallelism -= 1
            try Self.rewrite(metadata, in: dir)
        }) { dir in
            let deep = try Validator.validate(dir.path, deep: true)
            #expect(Self.codes(deep).contains("key-group-mismatch"), "\(deep.findings)")
            #expect(!Self.codes(try Validator.validate(dir.path)).contains("key-group-mismatch"))
            // Findings per check are capped; the rest are counted, not listed.
            let mismatches = deep.findings.filter { $0.code == .keyGroupMismatch }
            let listedPerState = Dictionary(grouping: mismatches, by: { $0.location.state ?? "" }).mapValues(\.count)
            #expect(listedPerState.values.allSatisfy { $0 <= 20 })
            #expect(mismatches.contains { ($0.similarNotListed ?? 0) > 0 })
            #expect(deep.errors > mismatches.count)
        }
    }

    /// Where the first key of `state` starts in the (uncompressed, canonical) keyed state file.
    static func firstKeyOffset(in dir: URL, state: String) throws -> Int {
        let savepoint = try Savepoint.open(dir.path)
        let op = try #require(savepoint.metadata.operatorStates.first { $0.subtaskState(0)?.managedKeyedState != nil })
        let stream = try savepoint.openKeyedStream(try #require(op.subtaskState(0)?.managedKeyedState), of: op)
        var offset: Int?
        try stream.forEachRawEntry { raw in
            if offset == nil, stream.schemas[raw.stateIndex].metaInfo.name == state { offset = raw.keyAfterPrefix.fileOffset }
        }
        return try #require(offset)
    }

    @Test func flippedKeyBytesGiveDeepFindingsNotACrash() throws {
        // The `count` state's key is a String: a length byte, then its characters.
        for (delta, expected) in [(1, "key-group-mismatch"), (0, "undecodable-entry")] {
            try Self.withDamagedCopy({ dir, metadata in
                let file = try Self.keyedFile(metadata, in: dir).1
                let at = try Self.firstKeyOffset(in: dir, state: "count") + delta
                var bytes = Array(try Data(contentsOf: file))
                bytes[at] ^= delta == 1 ? 0x01 : 0x7F
                try Data(bytes).write(to: file)
            }) { dir in
                #expect(try Validator.validate(dir.path).valid)
                let report = try Validator.validate(dir.path, deep: true)
                #expect(Self.codes(report).contains(expected), "\(report.findings)")
                #expect(report.findings.allSatisfy { $0.location.file != nil })
                // The damage stays within one key group: the others are still read.
                #expect(report.checked.keyedEntries > 100)
            }
        }
    }

    @Test func symlinkOutOfTheSavepointIsUnsafe() throws {
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("sp-outside-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: outside) }
        try Self.withDamagedCopy({ dir, metadata in
            let file = try Self.keyedFile(metadata, in: dir).1
            try FileManager.default.moveItem(at: file, to: outside)
            try FileManager.default.createSymbolicLink(at: file, withDestinationURL: outside)
        }) { dir in
            #expect(Self.codes(try Validator.validate(dir.path, deep: true)) == ["unsafe-path"])
            let allowed = try Validator.validate(dir.path, deep: true, allowExternalPaths: true)
            #expect(allowed.valid, "\(allowed.findings)")
        }
    }
}
