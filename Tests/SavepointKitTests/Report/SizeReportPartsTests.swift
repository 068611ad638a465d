@testable import SavepointKit
import SavepointTestSupport
import Testing

/// The pieces of `report`: key-group splits from offsets, skew, and the bounded list of the
/// largest entries against a full sort.
@Suite struct SizeReportPartsTests {
    @Test func emptyKeyGroupsOffsetZeroOwnNoBytes() throws {
        let split = try #require(SizeReport.Subtask.split([10, 0, 20, 0], streamBytes: 35))
        #expect(split.header == 10)
        #expect(split.keyGroups == [10, 0, 15, 0])
        #expect(SizeReport.Subtask.split([10, 30, 20], streamBytes: 35) == nil, "offsets that go back")
        #expect(SizeReport.Subtask.split([10, 40], streamBytes: 35) == nil, "an offset past the stream")
    }

    @Test func skewIsMinMedianMax() {
        #expect(SizeReport.Skew([5, 1, 9, 3]) == SizeReport.Skew(count: 4, min: 1, median: 3, max: 9))
        #expect(SizeReport.Skew([]) == SizeReport.Skew(count: 0, min: 0, median: 0, max: 0))
    }

    /// The `top` largest kept while streaming are the first `top` of every entry sorted.
    @Test(arguments: ["2.3.0/basic/rocksdb-native", "2.3.0/types/filesystem", "1.20.5/window/hashmap-native"])
    func boundedTopIsTheFullSortsHead(_ fixture: String) throws {
        let path = Fixture.root.appendingPathComponent("\(fixture)/savepoint").path
        let all = try SizeReport(try Savepoint.open(path), top: 100_000)
        let top3 = try SizeReport(try Savepoint.open(path), top: 3)
        var compared = 0
        for (op, op3) in zip(all.operators, top3.operators) {
            for (s, s3) in zip(op.states, op3.states) {
                #expect(s.largest.count == Int(s.entries))
                #expect(s.largest.reduce(0) { $0 + $1.bytes } == s.bytes)
                #expect(s3.largest.map(\.bytes) == Array(s.largest.prefix(3).map(\.bytes)), "\(fixture) \(s.name)")
                compared += s.largest.isEmpty ? 0 : 1
            }
        }
        #expect(compared > 0)
    }
}
