import Foundation
import Testing

/// The `savepoint` binary as a user runs it: output, exit codes and error messages.
@Suite struct CommandLineTests {
    /// The binary sits beside the test bundle in the build products folder.
    static var binary: URL? {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("savepoint")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    static func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let binary = try #require(Self.binary, "the savepoint binary was not built next to the tests")
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    static let sample = Fixture.all.first { $0.form == "filesystem" && $0.directory.path.contains("2.3.0") }

    @Test func inspectPrintsOperatorsAndStates() throws {
        let fixture = try #require(Self.sample)
        let r = try Self.run(["inspect", fixture.savepointPath])
        #expect(r.status == 0)
        for word in ["counter", "source", "count", "events", "buckets", "Map<String, Long>", "max parallelism 128"] {
            #expect(r.out.contains(word), "inspect output lacks \(word)")
        }
    }

    @Test func inspectJSONIsParseableAndComplete() throws {
        let fixture = try #require(Self.sample)
        let r = try Self.run(["inspect", fixture.savepointPath + "/_metadata", "--json"])
        #expect(r.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
        let operators = try #require(json?["operators"] as? [[String: Any]])
        #expect(operators.compactMap { $0["uid"] as? String }.sorted() == ["counter", "source"])
        #expect(json?["form"] as? String == "filesystem")
    }

    @Test func dumpStreamsJSONLinesWithFilters() throws {
        let fixture = try #require(Self.sample)
        let r = try Self.run(["dump", fixture.savepointPath, "--operator", "counter", "--state", "count", "--limit", "5"])
        #expect(r.status == 0)
        let lines = r.out.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines.allSatisfy { $0.contains("\"state\":\"count\"") && $0.contains("\"operator\":\"counter\"") })
    }

    @Test func missingPathExitsTwo() throws {
        let r = try Self.run(["inspect", "/nonexistent/savepoint"])
        #expect(r.status == 2)
        #expect(r.err.contains("/nonexistent/savepoint"))
    }

    @Test func usageErrorExitsTwo() throws {
        let r = try Self.run(["dump"])
        #expect(r.status == 2)
        let bad = try Self.run(["dump", "x", "--limit", "-3"])
        #expect(bad.status == 2)
    }

    @Test func corruptMetadataExitsTwoNamingFileAndOffset() throws {
        let fixture = try #require(Self.sample)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sp-cli-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: fixture.savepointPath), to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let metadata = dir.appendingPathComponent("_metadata")
        try Data(try Data(contentsOf: metadata).prefix(100)).write(to: metadata)
        let r = try Self.run(["dump", dir.path])
        #expect(r.status == 2)
        #expect(r.err.contains("_metadata") && r.err.contains("at byte"), "\(r.err)")
    }

    /// Progress goes to stderr only on a terminal: `script` gives the binary one.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func progressShowsOnATerminalOnly() throws {
        let fixture = try #require(Self.sample)
        let binary = try #require(Self.binary)
        let (_, text) = try Self.runOnTerminal("'\(binary.path)' dump '\(fixture.savepointPath)' > /dev/null")
        #expect(text.contains("dump: ") && text.contains("%"), "no progress on a terminal: \(text)")
        let piped = try Self.run(["dump", fixture.savepointPath])
        #expect(!piped.err.contains("dump: "), "progress written although stderr is no terminal")
    }

    /// Runs a shell command line under `script`, so its stderr is a terminal; returns the exit
    /// status and what the terminal showed.
    static func runOnTerminal(_ commandLine: String) throws -> (status: Int32, text: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", commandLine, "/dev/null"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    @Test func helpDescribesCommandsAndExitCodes() throws {
        let r = try Self.run(["--help"])
        #expect(r.status == 0)
        #expect(r.out.contains("inspect") && r.out.contains("dump") && r.out.contains("Exit codes"))
    }
}
