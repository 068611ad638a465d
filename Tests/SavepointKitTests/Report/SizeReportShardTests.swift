import Foundation
import SavepointKit
import SavepointTestSupport
import Testing

/// `report --subtasks`: the shards' totals, per-operator and per-state numbers add up to the
/// whole report's, on every fixture (savepoints and retained checkpoints).
@Suite struct SizeReportShardTests {
    /// The numbers that add up over shards, by name.
    static func sums(_ r: SizeReport) -> [String: Int64] {
        var out = ["total": r.totalBytes, "metadata": r.metadataBytes]
        for op in r.operators {
            out["\(op.operatorId) bytes"] = op.bytes
            out["\(op.operatorId) coordinator"] = op.coordinatorBytes
            out["\(op.operatorId) subtasks"] = Int64(op.subtasks.count)
            for (kg, n) in op.keyGroupBytes.enumerated() where n > 0 { out["\(op.operatorId) kg \(kg)"] = n }
            for cf in op.columnFamilies ?? [] {
                out["\(op.operatorId) cf \(cf.name) size", default: 0] += cf.totalSize
                out["\(op.operatorId) cf \(cf.name) live", default: 0] += Int64(cf.liveEntries ?? 0)
            }
            for s in op.states {
                out["\(op.operatorId) \(s.name) entries"] = s.entries
                out["\(op.operatorId) \(s.name) key"] = s.keyBytes
                out["\(op.operatorId) \(s.name) value"] = s.valueBytes
                for (i, n) in s.subtaskBytes.enumerated() where n > 0 { out["\(op.operatorId) \(s.name) #\(i)"] = n }
            }
        }
        return out.filter { $0.value != 0 }
    }

    @Test(arguments: SizeReportTests.everyFixture.filter { $0.contains("/2.3.0/") })
    func theShardsNumbersAddUpToTheWhole(_ path: String) throws {
        let savepoint = try Savepoint.open(path)
        let whole = try SizeReport(savepoint, top: 2)
        #expect(whole.subtasks == nil)
        let parallelism = savepoint.metadata.operatorStates.map(\.parallelism).max() ?? 1
        var added: [String: Int64] = [:]
        for i in 0..<parallelism {
            let shard = try SizeReport(savepoint, top: 2, shard: SubtaskShard(i...i))
            #expect(shard.subtasks == "\(i)")
            #expect(shard.totalBytes == shard.metadataBytes + shard.operators.reduce(0) { $0 + $1.bytes })
            #expect(shard.operators.allSatisfy { $0.subtasks.allSatisfy { $0.index == i } })
            added.merge(Self.sums(shard), uniquingKeysWith: +)
        }
        #expect(added == Self.sums(whole), "\(path)")
    }
}
