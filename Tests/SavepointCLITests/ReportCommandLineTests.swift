import Foundation
import SavepointTestSupport
import Testing

/// `savepoint report` as a user runs it: JSON whose parts add up, text that fits 80 columns.
@Suite struct ReportCommandLineTests {
    static let basic = Fixture.root.appendingPathComponent("2.3.0/basic")

    @Test(arguments: ["filesystem", "rocksdb-native"])
    func jsonAddsUpAndTextFits(_ form: String) throws {
        let path = Self.basic.appendingPathComponent("\(form)/savepoint").path
        let json = try SavepointBinary.run(["report", path, "--top", "2", "--json"])
        #expect(json.status == 0, "\(json.err)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let total = try #require(doc["totalBytes"] as? Int)
        let metadata = try #require(doc["metadataBytes"] as? Int)
        let operators = try #require(doc["operators"] as? [[String: Any]])
        #expect(total == metadata + operators.reduce(0) { $0 + (($1["bytes"] as? Int) ?? 0) })
        let states = operators.flatMap { ($0["states"] as? [[String: Any]]) ?? [] }
        #expect(states.count == 5)
        #expect(states.allSatisfy { (($0["largest"] as? [Any])?.count ?? 0) <= 2 })

        let text = try SavepointBinary.run(["report", path], environment: ["COLUMNS": "80"])
        #expect(text.status == 0)
        // The first line wraps where the path's length puts it: compare the words.
        let words = text.out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("(\(total) bytes)"), "\(text.out)")
        #expect(text.out.contains("largest in buckets:"), "\(text.out)")
        #expect(text.out.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(text.out)")
    }

    @Test func helpFitsAndBadInputExitsTwo() throws {
        let help = try SavepointBinary.run(["report", "--help"])
        #expect(help.status == 0 && help.out.contains("savepoint report"))
        #expect(help.out.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(help.out)")
        let missing = try SavepointBinary.run(["report", "/nonexistent/savepoint"])
        #expect(missing.status == 2 && !missing.err.isEmpty)
        let usage = try SavepointBinary.run(["report", Self.basic.path + "/filesystem/savepoint", "--top", "-1"])
        #expect(usage.status == 2, "\(usage)")
    }
}
