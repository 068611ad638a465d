import Foundation
import Testing
import SavepointTestSupport

/// `savepoint rewrite --max-parallelism` as a user runs it: the dump is unchanged, inspect shows
/// the new max parallelism and Flink's key-group ranges, validate --deep finds every key in the key
/// group its hash gives, the input is untouched, a dry run counts and writes nothing.
@Suite struct RewriteMaxParallelismTests {
    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func dumpLines(_ path: String) throws -> [Substring] {
        let r = try SavepointBinary.run(["dump", path])
        #expect(r.status == 0, "\(r.err)")
        return r.out.split(separator: "\n").sorted()
    }

    @Test(arguments: [("2.3.0/basic/filesystem", "256"), ("2.3.0/basic/rocksdb-native", "32768"),
                      ("2.3.0/window/hashmap-native", "128"), ("2.3.0/types/rocksdb-canonical", "counter=300"), ("1.20.5/basic/filesystem", "512")])
    func rekeyedSavepointDumpsTheSame(_ name: String, _ argument: String) throws {
        let fixture = try #require(Fixture.all.first { $0.description == name })
        let before = try Scratch.digest(of: fixture.directory)
        let dir = try Scratch.directory("cli-rekey")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let uid = fixture.description.contains("/types/") ? "types" : nil
        let arg = argument.replacingOccurrences(of: "counter=", with: uid.map { "\($0)=" } ?? "counter=")
        let r = try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--max-parallelism", arg, "--json"])
        #expect(r.status == 0, "\(r.err)")
        let n = Int(arg.split(separator: "=").last!)!
        let report = try json(r.out)
        #expect(report["verified"] as? Bool == true)
        #expect(try dumpLines(out) == dumpLines(fixture.savepointPath))
        let inspect = try json(try SavepointBinary.run(["inspect", out, "--json"]).out)
        let operators = try #require(inspect["operators"] as? [[String: Any]])
        let rekeyed = operators.filter { ($0["maxParallelism"] as? Int) == n }
        #expect(uid == nil ? rekeyed.count == operators.count : rekeyed.count == 1, "\(operators)")
        let validate = try SavepointBinary.run(["validate", out, "--deep", "--json"])
        #expect(validate.status == 0, "\(validate.out)")
        let checked = try json(validate.out)["checked"] as? [String: Any]
        #expect((checked?["keysHashChecked"] as? Int ?? 0) > 0)
        #expect(Scratch.leftovers(in: dir).isEmpty && !FileManager.default.fileExists(atPath: out + "/.rekey-spill"))
        #expect(try Scratch.digest(of: fixture.directory) == before, "the input was modified")
    }

    @Test func dryRunCountsAndWritesNothing() throws {
        let fixture = try #require(Fixture.all.first { $0.description == "2.3.0/basic/filesystem" })
        let dir = try Scratch.directory("cli-rekey-dry")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try SavepointBinary.run(["rewrite", fixture.savepointPath, dir.appendingPathComponent("out").path,
                                         "--max-parallelism", "256", "--dry-run"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("max parallelism 128 -> 256") && r.out.contains("4 other states: all 1620 entries to keep"), "\(r.out)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
