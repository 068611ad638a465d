import Foundation
import SavepointKit
import SavepointTestSupport
import Testing

/// `dump --skip-corrupt` and `convert --skip-corrupt` as a user runs them, on a savepoint that
/// lost the file of one subtask's keyed state.
@Suite struct SalvageCommandLineTests {
    static let fixture = "2.3.0/basic/filesystem"

    /// A damaged copy, the missing file, and the dump the library salvages from it.
    static func damaged() throws -> (root: URL, savepoint: URL, file: String, salvaged: [UInt8]) {
        let (root, savepoint) = try SalvageDamage.copy(fixture)
        let file = try SalvageDamage.keyedStreamFile(in: savepoint, operator: "counter", subtask: 1)
        try FileManager.default.removeItem(atPath: file)
        return (root, savepoint, file, try SalvageDamage.dump(savepoint.path, skipCorrupt: true).lines)
    }

    @Test func dumpPrintsWhatReadsAndReportsTheSkipOnStderr() throws {
        let (root, savepoint, file, salvaged) = try Self.damaged()
        defer { try? FileManager.default.removeItem(at: root) }
        let plain = try SavepointBinary.run(["dump", savepoint.path])
        #expect(plain.status == 2)
        let plainJSON = try SavepointBinary.run(["dump", savepoint.path, "--json"])
        #expect(plainJSON.status == 2)
        let error = try JSONDecoder().decode([String: String].self, from: Data(plainJSON.err.utf8))
        #expect(error["error"]?.hasPrefix("\(file): missing file") == true, "\(plainJSON.err)")

        let r = try SavepointBinary.run(["dump", savepoint.path, "--skip-corrupt"])
        #expect(r.status == 1)
        #expect(r.err == "skipped: \(file) key groups 64-127 of operator counter subtask 1: missing file\n")
        #expect(DumpComparison.difference(actual: Array(r.out.utf8), expected: salvaged) == nil)
        let undamaged = try SalvageDamage.dump(Fixture.root.appendingPathComponent(Self.fixture + "/savepoint").path,
                                               skipCorrupt: false).lines
        #expect(DumpComparison.difference(
            actual: Array(r.out.utf8), expected: SalvageDamage.lines(undamaged, without: 64...127, operator: "counter")) == nil)

        let json = try SavepointBinary.run(["dump", savepoint.path, "--skip-corrupt", "--json"])
        #expect(json.status == 1)
        let lines = json.err.split(separator: "\n")
        #expect(lines.count == 1)
        let skip = try JSONDecoder().decode([String: SkippedRange].self, from: Data(lines.first.map { Array($0.utf8) } ?? []))
        #expect(skip == ["skipped": SkippedRange(operator: "counter", subtask: 1, file: file,
                                                 keyGroups: .init(first: 64, last: 127), reason: "missing file")])
    }

    @Test func dumpOfAnIntactSavepointSkipsNothing() throws {
        let path = Fixture.root.appendingPathComponent(Self.fixture + "/savepoint").path
        let r = try SavepointBinary.run(["dump", path, "--skip-corrupt"])
        #expect(r.status == 0 && r.err.isEmpty)
        #expect(DumpComparison.difference(actual: Array(r.out.utf8), expected: try SalvageDamage.dump(path, skipCorrupt: false).lines) == nil)
    }

    @Test func convertWritesWhatReadsAndExitsOne() throws {
        let (root, savepoint, file, salvaged) = try Self.damaged()
        defer { try? FileManager.default.removeItem(at: root) }
        let refused = root.appendingPathComponent("refused").path
        #expect(try SavepointBinary.run(["convert", savepoint.path, refused, "--to", "lsm"]).status == 2)
        #expect(!FileManager.default.fileExists(atPath: refused))

        let text = root.appendingPathComponent("text").path
        let t = try SavepointBinary.run(["convert", savepoint.path, text, "--to", "lsm", "--skip-corrupt"])
        #expect(t.status == 1)
        #expect(t.out.contains("64 key groups, 0 operator state streams, 0 files without entries"))
        #expect(t.err.contains("skipped: \(file) key groups 64-127 of operator counter subtask 1: missing file\n"))
        #expect(try SavepointBinary.run(["validate", text, "--deep"]).status == 0)
        let dumped = try SavepointBinary.run(["dump", text])
        #expect(dumped.status == 0)
        #expect(DumpComparison.difference(actual: Array(dumped.out.utf8), expected: salvaged) == nil)

        let jsonOut = root.appendingPathComponent("json").path
        let j = try SavepointBinary.run(["convert", savepoint.path, jsonOut, "--to", "filesystem", "--skip-corrupt", "--json"])
        #expect(j.status == 1)
        let report = try JSONDecoder().decode(ConvertReport.self, from: Data(j.out.utf8))
        #expect(report.skipped == [SkippedRange(operator: "counter", subtask: 1, file: file,
                                                keyGroups: .init(first: 64, last: 127), reason: "missing file")])
        #expect(report.verified)
    }
}

/// `dump --skip-corrupt` over the malformed corpus: never a crash, a hang or a silent exit; a case
/// the plain dump reads exits 0, one it refuses exits 1 (something skipped, each skip a line on
/// stderr) or 2 (nothing to salvage, e.g. `_metadata` itself is damaged).
@Suite struct SalvageMalformedCorpusTests {
    @Test func everyCaseEndsCleanly() throws {
        let binary = try #require(SavepointBinary.url)
        var failures: [String] = []
        for c in MalformedCorpusTests.cases {
            let dir = try MalformedCorpusTests.materialize(c)
            defer { try? FileManager.default.removeItem(at: dir.root) }
            let r = try MalformedCorpusTests.run(binary, ["dump", "--skip-corrupt", dir.path], seconds: 20)
            let allowed = Set(c.expect.dump.flatMap { $0 == 0 ? [Int32(0)] : [1, 2] })
            if r.timedOut || r.signaled || !allowed.contains(r.status) {
                failures.append("\(c.id) [\(c.why)]: status \(r.status)" + (r.signaled ? " (killed by signal)" : "")
                    + (r.timedOut ? " (timed out)" : "") + " expected \(allowed.sorted()): \(r.stderr.prefix(300))")
            }
            if r.status != 0, r.stderr.isEmpty { failures.append("\(c.id): exit \(r.status) without a message") }
            if r.status == 1, !r.stderr.split(separator: "\n").allSatisfy({ $0.hasPrefix("skipped: ") }) {
                failures.append("\(c.id): exit 1 with other lines on stderr: \(r.stderr.prefix(300))")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) cases:\n\(failures.prefix(15).joined(separator: "\n"))")
    }
}
