import Foundation
import Testing
import SavepointTestSupport

/// The `savepoint` binary as a user runs it: output, exit codes and error messages.
@Suite struct CommandLineTests {
    static let sample = Fixture.all.first { $0.form == "filesystem" && $0.directory.path.contains("2.3.0") }

    @Test func inspectPrintsOperatorsAndStates() throws {
        let fixture = try #require(Self.sample)
        let r = try SavepointBinary.run(["inspect", fixture.savepointPath])
        #expect(r.status == 0)
        for word in ["counter", "source", "count", "events", "buckets", "Map<String, Long>", "max parallelism 128"] {
            #expect(r.out.contains(word), "inspect output lacks \(word)")
        }
    }

    @Test func inspectJSONIsParseableAndComplete() throws {
        let fixture = try #require(Self.sample)
        let r = try SavepointBinary.run(["inspect", fixture.savepointPath + "/_metadata", "--json"])
        #expect(r.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
        let operators = try #require(json?["operators"] as? [[String: Any]])
        #expect(operators.compactMap { $0["uid"] as? String }.sorted() == ["counter", "source"])
        #expect(json?["form"] as? String == "filesystem")
    }

    @Test func dumpStreamsJSONLinesWithFilters() throws {
        let fixture = try #require(Self.sample)
        let r = try SavepointBinary.run(["dump", fixture.savepointPath, "--operator", "counter", "--state", "count", "--limit", "5"])
        #expect(r.status == 0)
        let lines = r.out.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines.allSatisfy { $0.contains("\"state\":\"count\"") && $0.contains("\"operator\":\"counter\"") })
    }

    @Test func missingPathExitsTwo() throws {
        let r = try SavepointBinary.run(["inspect", "/nonexistent/savepoint"])
        #expect(r.status == 2)
        #expect(r.err.contains("/nonexistent/savepoint"))
    }

    @Test func usageErrorExitsTwo() throws {
        let r = try SavepointBinary.run(["dump"])
        #expect(r.status == 2)
        let bad = try SavepointBinary.run(["dump", "x", "--limit", "-3"])
        #expect(bad.status == 2)
    }

    @Test func corruptMetadataExitsTwoNamingFileAndOffset() throws {
        let fixture = try #require(Self.sample)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sp-cli-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: fixture.savepointPath), to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let metadata = dir.appendingPathComponent("_metadata")
        try Data(try Data(contentsOf: metadata).prefix(100)).write(to: metadata)
        let r = try SavepointBinary.run(["dump", dir.path])
        #expect(r.status == 2)
        #expect(r.err.contains("_metadata") && r.err.contains("at byte"), "\(r.err)")
    }

    /// Progress goes to stderr only on a terminal: `script` gives the binary one.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func progressShowsOnATerminalOnly() throws {
        let fixture = try #require(Self.sample)
        let binary = try #require(SavepointBinary.url)
        let (_, text) = try SavepointBinary.runOnTerminal("'\(binary.path)' dump '\(fixture.savepointPath)' > /dev/null")
        #expect(text.contains("dump: ") && text.contains("%"), "no progress on a terminal: \(text)")
        let piped = try SavepointBinary.run(["dump", fixture.savepointPath])
        #expect(!piped.err.contains("dump: "), "progress written although stderr is no terminal")
    }

    @Test func helpDescribesCommandsAndExitCodes() throws {
        let r = try SavepointBinary.run(["--help"])
        #expect(r.status == 0)
        #expect(r.out.contains("inspect") && r.out.contains("dump") && r.out.contains("uid-hash") && r.out.contains("Exit codes"))
        #expect(!r.out.contains("reserved"), "exit code 1 is what commands return, nothing reserved")
        #expect(r.out.contains("NO_COLOR") && r.out.contains("--generate-completion-script"))
    }

    @Test func helpOfAnUnknownCommandIsAnError() throws {
        let r = try SavepointBinary.run(["help", "nosuch"])
        #expect(r.status == 2 && r.err.contains("nosuch") && r.err.contains("inspect"), "\(r)")
        #expect(try SavepointBinary.run(["help", "dump"]).status == 0)
    }

    /// Every help page fits 80 columns, and its examples are whole lines a user can paste.
    @Test(arguments: [[], ["inspect"], ["dump"], ["validate"], ["convert"], ["rewrite"], ["upgrade"], ["uid-hash"]])
    func helpFitsEightyColumns(_ command: [String]) throws {
        let r = try SavepointBinary.run(command + ["--help"], environment: ["COLUMNS": "80"])
        #expect(r.status == 0)
        let wide = r.out.split(separator: "\n").filter { $0.count > 80 }
        #expect(wide.isEmpty, "\(wide)")
        let examples = r.out.components(separatedBy: "Examples:").dropFirst().first ?? ""
        let lines = examples.split(separator: "\n").prefix(while: { !$0.hasPrefix("USAGE") })
        for line in lines where line.hasPrefix("  savepoint") {
            // A wrapped example ends in a backslash; otherwise it must be complete (quotes balanced).
            #expect(line.hasSuffix("\\") || line.filter { $0 == "'" }.count % 2 == 0, "\(line)")
        }
    }

    /// Flink's operator id of a uid: murmur3_128 as `StreamGraphHasherV2` computes it (the fixtures'
    /// operator `counter` has id 0da08f51eaa85fc298e176a139b3649a in every savepoint Flink wrote).
    @Test func uidHashPrintsFlinksOperatorIds() throws {
        let r = try SavepointBinary.run(["uid-hash", "counter", "source"])
        #expect(r.status == 0)
        #expect(r.out == "0da08f51eaa85fc298e176a139b3649a  counter\ne5a72f353fc1e6bbf3bd96a41384998c  source\n", "\(r.out)")
        let json = try SavepointBinary.run(["uid-hash", "counter", "--json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [[String: String]])
        #expect(doc == [["uid": "counter", "operatorId": "0da08f51eaa85fc298e176a139b3649a"]])
        #expect(try SavepointBinary.run(["uid-hash"]).status == 2)
    }

    @Test func completionScriptsCompletePaths() throws {
        let bash = try SavepointBinary.run(["--generate-completion-script", "bash"])
        #expect(bash.status == 0 && bash.out.contains("inspect") && bash.out.contains("uid-hash"))
        #expect(bash.out.contains("-f") || bash.out.contains("compgen -f") || bash.out.contains("_filedir"), "no file completion")
    }
}
