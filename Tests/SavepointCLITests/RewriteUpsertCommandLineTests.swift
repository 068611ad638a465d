import Foundation
import Testing
import SavepointTestSupport

/// `savepoint rewrite --upsert` as a user runs it: lines as dump prints them go in, the dump shows
/// the new values and the inserted entries, and a bad line exits 2 naming file and line with
/// nothing written.
@Suite struct RewriteUpsertCommandLineTests {
    @Test func upsertPatchesValuesAsDumpPrintsThem() throws {
        let fixture = try #require(Fixture.all.first { $0.form == "rocksdb-native" && $0.directory.path.contains("/2.3.0/basic/") })
        let dir = try Scratch.directory("cli-rewrite-upsert")
        defer { try? FileManager.default.removeItem(at: dir) }
        let patch = dir.appendingPathComponent("patch.jsonl").path
        let out = dir.appendingPathComponent("out").path
        let old = #"{"operator":"counter","state":"count","kind":"value","key":"key-0003","namespace":null,"value":"#
        let new = old + "123456789}"
        try Data((old + "\"x\"}\n").utf8).write(to: URL(fileURLWithPath: patch))
        let bad = try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--upsert", patch])
        #expect(bad.status == 2 && bad.err.contains("\(patch):1: value \"x\" does not fit count's value type"), "\(bad.err)")
        #expect(!FileManager.default.fileExists(atPath: out))
        try Data((new + "\n").utf8).write(to: URL(fileURLWithPath: patch))
        let r = try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--upsert", patch])
        #expect(r.status == 0 && r.out.contains("count: 300 entries, 300 kept, 0 dropped, 1 replaced"), "\(r.out)\(r.err)")
        let before = try SavepointBinary.run(["dump", fixture.savepointPath]).out.split(separator: "\n").map(String.init)
        let after = try SavepointBinary.run(["dump", out]).out.split(separator: "\n").map(String.init)
        let expected = before.map { $0.hasPrefix(old) ? new : $0 }
        #expect(expected != before && after.sorted() == expected.sorted())
        #expect(try SavepointBinary.run(["validate", out, "--deep"]).status == 0)
    }

    /// A line no entry matches is inserted: the text report counts it, the dump shows it, and deep
    /// validation finds it in the key group Flink assigns its key.
    @Test func upsertInsertsALineNoEntryMatches() throws {
        let fixture = try #require(Fixture.all.first { $0.form == "filesystem" && $0.directory.path.contains("/2.3.0/basic/") })
        let dir = try Scratch.directory("cli-rewrite-upsert-insert")
        defer { try? FileManager.default.removeItem(at: dir) }
        let patch = dir.appendingPathComponent("patch.jsonl").path
        let out = dir.appendingPathComponent("out").path
        let line = #"{"operator":"counter","state":"buckets","kind":"map","key":"key-9999","namespace":null,"userKey":"b1","value":3}"#
        try Data((line + "\n").utf8).write(to: URL(fileURLWithPath: patch))
        let r = try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--upsert", patch])
        #expect(r.status == 0 && r.out.contains("buckets: 720 entries, 720 kept, 0 dropped, 1 inserted"), "\(r.out)\(r.err)")
        #expect(try SavepointBinary.run(["dump", out, "--key", #""key-9999""#]).out == line + "\n")
        #expect(try SavepointBinary.run(["validate", out, "--deep"]).status == 0)
    }

    @Test func helpShowsUpsertWithin80Columns() throws {
        let r = try SavepointBinary.run(["rewrite", "--help"])
        #expect(r.out.contains("--upsert <file.jsonl>") && r.out.contains("--upsert patch.jsonl"))
        #expect(r.out.split(separator: "\n").allSatisfy { $0.count <= 80 })
    }
}
