import Foundation
import Testing
import SavepointTestSupport
@testable import SavepointKit

/// `--subtasks I-J`: the shards' dumps together are the whole dump, each line in exactly one shard,
/// for every fixture Flink wrote (canonical, native, retained checkpoints; broadcast and union
/// operator state, timers, coordinators).
@Suite struct SubtaskShardTests {
    static func lines(_ savepoint: Savepoint, shard: SubtaskShard?, jobs: Int = 1) throws -> [String: Int] {
        var filter = DumpFilter()
        filter.shard = shard
        let output = JSONLinesOutput.inMemory()
        var dumper = Dumper(savepoint: savepoint, filter: filter)
        dumper.jobs = jobs
        try dumper.run(into: output)
        try output.flush()
        return String(decoding: output.collected, as: UTF8.self).split(separator: "\n")
            .reduce(into: [:]) { $0[String($1), default: 0] += 1 }
    }

    /// Every way to cut 0..<parallelism used here: one shard per subtask, and a first shard then the rest.
    static func splittings(upTo parallelism: Int) -> [[SubtaskShard]] {
        var out = [(0..<parallelism).map { SubtaskShard($0...$0) }]
        if parallelism > 1 { out.append([SubtaskShard(0...0), SubtaskShard(1...(parallelism + 3))]) }
        return out
    }

    @Test(arguments: Fixture.all.filter { $0.readablePath != nil })
    func theShardsDumpsAddUpToTheWholeDump(_ fixture: Fixture) throws {
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        let whole = try Self.lines(savepoint, shard: nil)
        #expect(!whole.isEmpty)
        let parallelism = savepoint.metadata.operatorStates.map(\.parallelism).max() ?? 0
        for (n, shards) in Self.splittings(upTo: parallelism).enumerated() {
            var union: [String: Int] = [:]
            for shard in shards {
                // Side by side for one splitting, in turn for the other: the same lines either way.
                union.merge(try Self.lines(savepoint, shard: shard, jobs: n == 0 ? 1 : 3), uniquingKeysWith: +)
            }
            #expect(union == whole, "\(fixture): shards \(shards)")
        }
    }

    @Test func aShardHoldsOnlyItsSubtasksOperatorElementsAndOneBroadcastCopy() throws {
        let fixture = try #require(Fixture.all.first { $0.description.hasSuffix("2.3.0/types/filesystem") })
        let savepoint = try Savepoint.open(fixture.savepointPath)
        let rest = try Self.lines(savepoint, shard: SubtaskShard(1...1)).keys.compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let subtasks = Set(rest.compactMap { $0["subtask"] as? Int })
        #expect(subtasks.isSubset(of: [1]), "\(subtasks)")
        #expect(!rest.contains { $0["kind"] as? String == "broadcast" }, "the broadcast copy is subtask 0's shard's")
    }

    @Test(arguments: ["", "x", "1-", "-1", "3-1", "1-2-3", "a-b"])
    func malformedRangesAreUsageErrors(_ text: String) {
        #expect(throws: SavepointError.self) { try SubtaskShard.parse(text) }
    }

    @Test func aShardPastEveryOperatorNamesTheParallelisms() throws {
        let fixture = try #require(Fixture.all.first { $0.description.hasSuffix("2.3.0/basic/filesystem") })
        let operators = try Savepoint.open(fixture.savepointPath).metadata.operatorStates
        #expect(throws: Never.self) { try SubtaskShard(1...40).check(against: operators) }
        do {
            try SubtaskShard(2...3).check(against: operators)
            Issue.record("subtask 2 of operators of parallelism 2 passed")
        } catch let SavepointError.usage(message) {
            #expect(message.contains("counter 2") && message.contains("source 2") && message.contains("0 to 1"), "\(message)")
        }
        #expect(try SubtaskShard.parse("7") == SubtaskShard(7...7))
        #expect(try SubtaskShard.parse("2-5").description == "2-5")
    }
}
