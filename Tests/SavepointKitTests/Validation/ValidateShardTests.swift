import Foundation
import SavepointKit
import SavepointMetadata
import Testing
import SavepointTestSupport

/// `validate --subtasks`: each shard checks its subtasks and lists their findings; savepoint-wide
/// findings are the shard holding subtask 0's. The shards' counts add up to a whole run's.
@Suite struct ValidateShardTests {
    static func run(_ savepoint: Savepoint, _ shard: SubtaskShard?) -> ValidationReport {
        Validator(savepoint: savepoint, options: .init(deep: true, jobs: 2, shard: shard)).run()
    }

    /// The counts that belong to subtasks (the operators are every shard's: each reads `_metadata`).
    static func subtaskCounts(_ c: ValidationReport.Checked) -> [Int64] {
        [Int64(c.subtasks), Int64(c.keyedStateHandles), Int64(c.operatorStateHandles), Int64(c.files), c.fileBytes,
         Int64(c.inlineStreams), Int64(c.keyGroups), Int64(c.keyedEntries), Int64(c.keysHashChecked),
         Int64(c.operatorStateElements)]
    }

    static func expectShardsAddUp(_ path: String, _ label: String) throws -> (whole: ValidationReport, shards: [ValidationReport]) {
        let savepoint = try Savepoint.open(path)
        let whole = Self.run(savepoint, nil)
        let parallelism = savepoint.metadata.operatorStates.map(\.parallelism).max() ?? 1
        let shards = (0..<parallelism).map { Self.run(savepoint, SubtaskShard($0...$0)) }
        #expect(shards.reduce(0) { $0 + $1.errors } == whole.errors, "\(label)")
        #expect(shards.reduce(0) { $0 + $1.warnings } == whole.warnings, "\(label)")
        let summed = shards.map { Self.subtaskCounts($0.checked) }.reduce([Int64](repeating: 0, count: 10)) { zip($0, $1).map(+) }
        #expect(summed == Self.subtaskCounts(whole.checked), "\(label)")
        for (i, shard) in shards.enumerated() {
            for finding in shard.findings {
                #expect(finding.location.subtask.map { $0 == i } ?? (i == 0), "\(label): \(finding) in shard \(i)")
            }
        }
        return (whole, shards)
    }

    @Test(arguments: Fixture.all.filter { $0.directory.path.contains("2.3.0/") && $0.readablePath != nil })
    func everyFixturesShardsAddUpToTheWholeCheck(_ fixture: Fixture) throws {
        let (whole, shards) = try Self.expectShardsAddUp(try #require(fixture.readablePath), "\(fixture)")
        #expect(whole.valid && shards.allSatisfy(\.valid))
        #expect(whole.checked.keyedEntries > 0)
    }

    @Test func aDamagedCopysFindingsAreSplitByTheSubtaskTheyAreIn() throws {
        // Misplaced keys (deep findings past the cap), subtask 1's keyed file missing, and a gap in
        // the key groups (savepoint-wide).
        try SideBySideTests.misplacedKeys("filesystem") { path in
            let dir = URL(fileURLWithPath: path)
            var metadata = try CheckpointMetadata.read(from: Array(try Data(contentsOf: dir.appendingPathComponent("_metadata"))))
            let h = try ValidateTests.dropFirstKeyGroupOfSubtask1(&metadata)
            guard case let .relativeFile(name, _) = h.delegate else { throw CancellationError() }
            try FileManager.default.removeItem(at: dir.appendingPathComponent(name))
            try Data(try metadata.serialized()).write(to: dir.appendingPathComponent("_metadata"))

            let (whole, shards) = try Self.expectShardsAddUp(path, "damaged copy")
            #expect(whole.findings.contains { $0.code == .keyGroupMismatch })
            #expect(shards[0].findings.contains { $0.code == .keyGroupGap })
            #expect(!shards[1].findings.contains { $0.code == .keyGroupGap })
            #expect(shards[1].findings.contains { $0.code == .missingFile } && !shards[0].findings.contains { $0.code == .missingFile })
            #expect(shards[0].findings.contains { $0.code == .keyGroupMismatch && ($0.similarNotListed ?? 0) > 0 })
        }
    }
}
