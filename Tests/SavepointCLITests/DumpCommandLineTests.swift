import Foundation
import SavepointTestSupport
import Testing

/// `savepoint dump` filters as a user types them: repeated, misspelt, of the wrong type.
@Suite struct DumpCommandLineTests {
    static let sample = Fixture.all.first { $0.form == "filesystem" && $0.directory.path.contains("/2.3.0/basic/") }
    static let types = Fixture.all.first { $0.form == "filesystem" && $0.directory.path.contains("/2.3.0/types/") }
    static let flink1 = Fixture.all.first { $0.form == "rocksdb-native" && $0.directory.path.contains("/1.20.5/basic/") }

    static func lines(_ out: String) -> [[String: Any]] {
        out.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func aFilterThatMatchesNothingExitsTwoNamingWhatExists() throws {
        let path = try #require(Self.sample).savepointPath
        let typo = try SavepointBinary.run(["dump", path, "--state", "cont"])
        #expect(typo.status == 2 && typo.out.isEmpty)
        #expect(typo.err.contains("--state cont") && typo.err.contains("count") && typo.err.contains("buckets"), "\(typo.err)")
        for selector in ["countr", "0da08f51"] {
            let r = try SavepointBinary.run(["dump", path, "--operator", selector])
            #expect(r.status == 2 && r.out.isEmpty, "\(selector)")
            #expect(r.err.contains("--operator \(selector)") && r.err.contains("counter (0da08f51eaa85fc298e176a139b3649a)")
                && r.err.contains("source"), "\(r.err)")
        }
        let wrongOperator = try SavepointBinary.run(["dump", path, "--operator", "source", "--state", "count"])
        #expect(wrongOperator.status == 2 && wrongOperator.err.contains("source: offsets"), "\(wrongOperator.err)")
    }

    @Test func repeatedSelectorsSelectAllOfThem() throws {
        let path = try #require(Self.sample).savepointPath
        let r = try SavepointBinary.run(["dump", path, "--state", "count", "--state", "events"])
        #expect(r.status == 0, "\(r.err)")
        let states = Dictionary(grouping: Self.lines(r.out), by: { $0["state"] as? String ?? "" }).mapValues(\.count)
        #expect(states == ["count": 300, "events": 300], "\(states)")
        let both = try SavepointBinary.run(["dump", path, "--operator", "source", "--operator", "counter", "--state", "offsets",
                                            "--state", "count"])
        let operators = Set(Self.lines(both.out).compactMap { $0["operator"] as? String })
        #expect(both.status == 0 && operators == ["source", "counter"], "\(both.err)")
    }

    @Test func aKeyOfTheWrongTypeIsRefused() throws {
        let path = try #require(Self.types).savepointPath
        let inspect = try SavepointBinary.run(["inspect", path, "--json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(inspect.out.utf8)) as? [String: Any])
        let keyed = try #require((doc["operators"] as? [[String: Any]])?.first { $0["keyType"] as? String == "Integer" })
        let uid = try #require(keyed["uid"] as? String)
        let quoted = try SavepointBinary.run(["dump", path, "--operator", uid, "--key", "\"388\""])
        #expect(quoted.status == 2 && quoted.err.contains("Integer") && quoted.err.contains("--key 388"), "\(quoted.err)")
        let number = try SavepointBinary.run(["dump", path, "--operator", uid, "--key", "388"])
        #expect(number.status == 0, "\(number.err)")
        #expect(Self.lines(number.out).allSatisfy { ($0["key"] as? Int) == 388 })
    }

    @Test func aNegativeLimitIsARangeError() throws {
        let r = try SavepointBinary.run(["dump", try #require(Self.sample).savepointPath, "--limit", "-1"])
        #expect(r.status == 2 && r.err.contains("--limit must be 0 or more"), "\(r.err)")
    }

    /// A Flink 1.x savepoint stores operator ids only: --uids names them in dump lines.
    @Test func uidsNameTheOperatorsOfAFlink1Savepoint() throws {
        let path = try #require(Self.flink1).savepointPath
        let plain = try SavepointBinary.run(["dump", path, "--limit", "1", "--state", "count"])
        #expect(Self.lines(plain.out).first?["operator"] as? String == "0da08f51eaa85fc298e176a139b3649a")
        let named = try SavepointBinary.run(["dump", path, "--limit", "1", "--uids", "source,counter", "--state", "count"])
        #expect(Self.lines(named.out).first?["operator"] as? String == "counter", "\(named.err)")
        let dir = try Scratch.directory("uids")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("uids.txt")
        try Data("source\n\n  counter  \n".utf8).write(to: file)
        let fromFile = try SavepointBinary.run(["dump", path, "--limit", "1", "--uids-from", file.path, "--operator", "counter"])
        #expect(fromFile.status == 0 && Self.lines(fromFile.out).first?["operator"] as? String == "counter", "\(fromFile.err)")
    }
}
