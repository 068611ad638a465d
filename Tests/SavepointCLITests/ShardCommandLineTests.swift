import Foundation
import SavepointTestSupport
import Testing

/// `--subtasks I-J` as a user types it on `dump`, `validate` and `report`: shards that add up,
/// and one clear line with exit 2 for a range that is malformed or past every operator.
@Suite struct ShardCommandLineTests {
    static let sample = Fixture.all.first { $0.form == "filesystem" && $0.directory.path.contains("/2.3.0/basic/") }

    @Test func theShardsDumpsAreTheWholeDump() throws {
        let path = try #require(Self.sample).savepointPath
        let whole = try SavepointBinary.run(["dump", path])
        let first = try SavepointBinary.run(["dump", path, "--subtasks", "0"])
        let rest = try SavepointBinary.run(["dump", path, "--subtasks", "1-9"])
        #expect(whole.status == 0 && first.status == 0 && rest.status == 0, "\(first.err)\(rest.err)")
        let lines = { (s: String) in s.split(separator: "\n").map(String.init) }
        #expect(!lines(first.out).isEmpty && !lines(rest.out).isEmpty)
        #expect((lines(first.out) + lines(rest.out)).sorted() == lines(whole.out).sorted())
    }

    @Test(arguments: ["dump", "validate", "report"])
    func aRangePastEveryOperatorExitsTwoNamingTheParallelisms(_ command: String) throws {
        let path = try #require(Self.sample).savepointPath
        let r = try SavepointBinary.run([command, path, "--subtasks", "2-3"])
        #expect(r.status == 2 && r.out.isEmpty, "\(r.out)")
        #expect(r.err.contains("--subtasks 2-3") && r.err.contains("counter 2") && r.err.contains("source 2"), "\(r.err)")
        #expect(r.err.split(separator: "\n").count == 1, "\(r.err)")
        for bad in ["x", "3-1", "-1"] {
            let m = try SavepointBinary.run([command, path, "--subtasks=\(bad)"])
            #expect(m.status == 2 && m.err.contains("--subtasks"), "\(bad): \(m.err)")
        }
    }

    @Test func validateAndReportShardsSayWhichShareTheyAre() throws {
        let path = try #require(Self.sample).savepointPath
        let v = try SavepointBinary.run(["validate", path, "--deep", "--subtasks", "1", "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(v.out.utf8)) as? [String: Any])
        #expect(v.status == 0 && report["valid"] as? Bool == true, "\(v.err)")
        let checked = try #require(report["checked"] as? [String: Any])
        #expect(checked["subtasks"] as? Int == 2, "one subtask of each of the two operators")
        let r = try SavepointBinary.run(["report", path, "--subtasks", "1", "--json"])
        let size = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(r.status == 0 && size["subtasks"] as? String == "1" && size["metadataBytes"] as? Int == 0, "\(r.err)")
    }
}
