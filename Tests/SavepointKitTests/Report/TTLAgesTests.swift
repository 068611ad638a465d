import Foundation
@testable import SavepointKit
import SavepointTestSupport
import Testing

/// `report`'s TTL share by age against the timestamps `dump` prints (`ttlTimestamp`), with a
/// reference time that splits them over buckets.
@Suite struct TTLAgesTests {
    static func timestamps(_ savepoint: Savepoint) throws -> [String: [Int64]] {
        let output = JSONLinesOutput.inMemory()
        try Dumper(savepoint: savepoint, filter: DumpFilter()).run(into: output)
        try output.flush()
        var out: [String: [Int64]] = [:]
        for line in String(decoding: output.collected, as: UTF8.self).split(separator: "\n") {
            let entry = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if let t = entry["ttlTimestamp"] as? Int64 { out[entry["state"] as! String, default: []].append(t) }
        }
        return out
    }

    @Test(arguments: ["2.3.0/types/filesystem", "2.3.0/types/rocksdb-native", "1.20.5/types/rocksdb-canonical"])
    func bucketsCountTheDumpsTimestamps(_ fixture: String) throws {
        let savepoint = try Savepoint.open(Fixture.root.appendingPathComponent("\(fixture)/savepoint").path)
        let stamps = try Self.timestamps(savepoint)
        #expect(stamps.keys.sorted() == ["ttlMap", "ttlValue"])
        // Half-way through the timestamps: the later half was accessed "after now".
        let all = stamps.values.flatMap { $0 }.sorted()
        let now = all[all.count / 2]
        let report = try SizeReport(savepoint, top: 0, now: now)
        #expect(report.ttlNow == now)
        var aged = 0
        for op in report.operators {
            for state in op.states {
                guard let buckets = state.ttlAge else {
                    #expect(stamps[state.name] == nil, "\(state.name) has TTL timestamps but no ages")
                    continue
                }
                aged += 1
                let mine = try #require(stamps[state.name])
                var expected = [Int64](repeating: 0, count: TTLAges.labels.count)
                for t in mine {
                    let age = now - t
                    expected[age < 0 ? 0 : TTLAges.bounds.lastIndex { $0 <= age }! + 1] += 1
                }
                #expect(buckets.map(\.entries) == expected, "\(fixture) \(state.name)")
                #expect(buckets.reduce(0) { $0 + $1.bytes } == state.bytes)
                #expect(buckets.reduce(0) { $0 + $1.entries } == state.entries)
            }
        }
        #expect(aged == 2)
        let later = try SizeReport(savepoint, top: 0, now: now + 400 * 86_400_000)
        let old = later.operators.flatMap(\.states).compactMap(\.ttlAge).map { $0.last!.entries }
        #expect(old.count == 2 && zip(old, later.operators.flatMap(\.states).filter { $0.ttlAge != nil }).allSatisfy { $0 == $1.entries },
                "a year and more later every entry is in the last bucket")
    }

    @Test func aSavepointWithoutTTLHasNoReferenceTime() throws {
        let savepoint = try Savepoint.open(Fixture.root.appendingPathComponent("2.3.0/basic/filesystem/savepoint").path)
        #expect(try SizeReport(savepoint, top: 0).ttlNow == nil)
    }
}
