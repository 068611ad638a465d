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
        #expect(r.out.contains("inspect") && r.out.contains("dump") && r.out.contains("Exit codes"))
    }
}
