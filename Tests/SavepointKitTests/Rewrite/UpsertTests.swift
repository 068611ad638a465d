import Foundation
@testable import SavepointKit
import SavepointTestSupport
import Testing

/// `--upsert`: the dump after the rewrite is the dump before with the upserted lines' values, in
/// canonical and native forms; a value that does not fit, or a line that matches no entry, is
/// refused naming file and line, and leaves no OUT.
@Suite struct UpsertTests {
    static let fixtures = Fixture.all.filter {
        $0.directory.path.contains("/2.3.0/basic/")
            && ["filesystem", "rocksdb-canonical", "hashmap-native", "rocksdb-native"].contains($0.form)
    }

    /// The line with its value replaced by `value`.
    static func patched(_ line: ArraySlice<UInt8>, value: JSONValue) -> [UInt8]? {
        guard case var .object(fields)? = JSONValue.parse(Array(line)) else { return nil }
        fields["value"] = value
        return Array(JSONValue.object(fields).text.utf8)
    }

    func rewrite(_ path: String, _ file: URL, to out: URL) throws -> RewriteReport {
        try Rewriter(input: try Savepoint.open(path), plan: RewritePlan(operations: [.upsert(file: file.path)])).write(to: out)
    }

    @Test(arguments: fixtures)
    func upsertReplacesValuesOfValueAndMapState(_ fixture: Fixture) throws {
        let path = try #require(fixture.readablePath)
        let dir = try Scratch.directory("rewrite-upsert")
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try ConvertTestSupport.dump(path).split(separator: 0x0A)
        // One value-state entry and one map-state entry get new values.
        let targets = [(#""state":"count","kind":"value","key":"key-0007""#, JSONValue.integer(4242)),
                       (#""state":"buckets","kind":"map","key":"key-0011""#, JSONValue.integer(-5))]
        var patch: [UInt8] = []
        var expected: [UInt8] = []
        var pending = targets
        for line in before {
            let text = String(decoding: line, as: UTF8.self)
            if let k = pending.firstIndex(where: { text.contains($0.0) }), let new = Self.patched(line, value: pending[k].1) {
                pending.remove(at: k)
                patch += new + [0x0A]
                expected += new + [0x0A]
                continue
            }
            expected += Array(line) + [0x0A]
        }
        try #require(pending.isEmpty)
        let file = dir.appendingPathComponent("patch.jsonl")
        try Data(patch).write(to: file)
        let report = try rewrite(path, file, to: dir.appendingPathComponent("out"))
        #expect(report.verified)
        let entries = report.operators.flatMap { $0.entries ?? [] }
        #expect(entries.filter { $0.replaced != nil }.map { "\($0.state) \($0.replaced!)" }.sorted() == ["buckets 1", "count 1"])
        let diff = DumpComparison.difference(actual: try ConvertTestSupport.dump(dir.appendingPathComponent("out").path), expected: expected)
        #expect(diff == nil, "\(fixture): \(diff ?? "")")
    }

    @Test func badLinesAreRefusedByLineAndWriteNothing() throws {
        let fixture = try #require(Self.fixtures.first { $0.form == "filesystem" })
        let dir = try Scratch.directory("rewrite-upsert-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("patch.jsonl")
        let out = dir.appendingPathComponent("out")
        let good = #"{"operator":"counter","state":"count","kind":"value","key":"key-0001","namespace":null,"value":9}"#
        let cases = [
            (good + "\n" + #"{"operator":"counter","state":"count","key":"key-0002","namespace":null,"value":"x"}"#, ":2: value \"x\" does not fit count's value type, long"),
            ("\n" + #"{"operator":"counter","state":"count","key":"no-such-key","namespace":null,"value":1}"#, ":2: no entry of state count of operator counter"),
            (#"{"operator":"counter","state":"events","key":"key-0001","namespace":null,"value":["a"]}"#, ":1: events is list state"),
            (#"{"operator":"counter","state":"nope","key":"key-0001","namespace":null,"value":1}"#, ":1: operator counter has no keyed state nope"),
            (good + "\n" + good, ":2: the same entry as line 1"),
            ("not json", ":1: not a keyed-state line"),
        ]
        for (text, message) in cases {
            try Data(text.utf8).write(to: file)
            do {
                _ = try rewrite(fixture.savepointPath, file, to: out)
                Issue.record("\(text): accepted")
            } catch {
                #expect("\(error)".contains(file.path + message), "\(error)")
            }
            #expect(!FileManager.default.fileExists(atPath: out.path))
            #expect(Scratch.leftovers(in: dir).isEmpty)
        }
    }

    /// Several files: each line is checked against its own file, and one entry in two files is refused.
    @Test func severalFilesAreCheckedEachByItsLines() throws {
        let fixture = try #require(Self.fixtures.first { $0.form == "hashmap-native" })
        let dir = try Scratch.directory("rewrite-upsert-files")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (a, b) = (dir.appendingPathComponent("a.jsonl"), dir.appendingPathComponent("b.jsonl"))
        let out = dir.appendingPathComponent("out")
        let line = #"{"operator":"counter","state":"count","key":"key-0001","namespace":null,"value":9}"#
        let missing = #"{"operator":"counter","state":"count","key":"no-such-key","namespace":null,"value":1}"#
        func run() throws {
            _ = try Rewriter(input: try Savepoint.open(fixture.savepointPath),
                             plan: RewritePlan(operations: [.upsert(file: a.path), .upsert(file: b.path)])).write(to: out)
        }
        try Data(line.utf8).write(to: a)
        try Data(("\n" + missing).utf8).write(to: b)
        #expect { try run() } throws: { "\($0)".contains(b.path + ":2: no entry of state count") }
        try Data(line.utf8).write(to: b)
        #expect { try run() } throws: { "\($0)".contains(b.path + ":1: the same entry as " + a.path + ":1") }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func planFileReadsUpsert() throws {
        let plan = try JSONDecoder().decode(RewritePlan.self, from: Data(#"{"version":1,"operations":[{"operation":"upsert","file":"p.jsonl"}]}"#.utf8))
        #expect(plan.operations == [.upsert(file: "p.jsonl")])
        let again = try JSONDecoder().decode(RewritePlan.self, from: try JSONEncoder().encode(plan))
        #expect(again == plan)
    }
}
