import Foundation
@testable import SavepointKit
import SavepointTestSupport
import Testing

/// `--upsert`: the dump after the rewrite is the dump before with the upserted lines' values and
/// the lines no entry matched added, in canonical and native forms; a value that does not fit is
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

    func rewrite(_ path: String, _ file: URL, to out: URL, also: [RewritePlan.Operation] = []) throws -> RewriteReport {
        try Rewriter(input: try Savepoint.open(path), plan: RewritePlan(operations: [.upsert(file: file.path)] + also)).write(to: out)
    }

    /// Lines no entry matches are inserted: a value-state key, a map entry under an existing key
    /// (new user key) and under a new key, each in the key group Flink assigns its key (deep
    /// validation recomputes it) in the subtask holding it; also when the rewrite moves every entry
    /// to another max parallelism (the re-keyed reader's key groups) and writes another form.
    @Test(arguments: fixtures)
    func upsertInsertsEntriesNoKeyHas(_ fixture: Fixture) throws {
        let path = try #require(fixture.readablePath)
        let dir = try Scratch.directory("rewrite-upsert-insert")
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try ConvertTestSupport.dump(path)
        let inserted = (0..<40).map { #"{"operator":"counter","state":"count","kind":"value","key":"new-\#($0)","namespace":null,"value":\#($0 * 7)}"# } + [
            #"{"operator":"counter","state":"buckets","kind":"map","key":"key-0131","namespace":null,"userKey":"b9","value":77}"#,
            #"{"operator":"counter","state":"buckets","kind":"map","key":"new-map-key","namespace":null,"userKey":"z","value":5}"#,
        ]
        let file = dir.appendingPathComponent("insert.jsonl")
        try Data(inserted.joined(separator: "\n").utf8).write(to: file)
        let expected = before + Array(inserted.joined(separator: "\n").utf8) + [0x0A]
        for (name, also) in [("same", [RewritePlan.Operation]()), ("rekeyed", [.setMaxParallelism(operator: nil, to: 256)])] {
            let out = dir.appendingPathComponent(name)
            let report = try rewrite(path, file, to: out, also: also)
            #expect(report.verified)
            let entries = report.operators.flatMap { $0.entries ?? [] }
            #expect(entries.filter { $0.inserted != nil }.map { "\($0.state) \($0.inserted!) \($0.read - $0.kept)" }.sorted() == ["buckets 2 0", "count 40 0"])
            #expect(entries.allSatisfy { $0.replaced == nil })
            let diff = DumpComparison.difference(actual: try ConvertTestSupport.dump(out.path), expected: expected)
            #expect(diff == nil, "\(fixture) \(name): \(diff ?? "")")
            let deep = Validator(savepoint: try Savepoint.open(out.path), options: .init(deep: true)).run()
            #expect(deep.errors == 0, "\(fixture) \(name): \(deep.findings)")
        }
    }

    /// An inserted entry is routed by the stages after upsert (a deleted key's goes too); upserting
    /// into a dropped state contradicts the drop; a dry run counts what it would insert.
    @Test func insertedEntriesGoThroughLaterStagesAndDryRunCountsThem() throws {
        let fixture = try #require(Self.fixtures.first { $0.form == "rocksdb-native" })
        let dir = try Scratch.directory("rewrite-upsert-insert-keys")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("insert.jsonl"), keys = dir.appendingPathComponent("keys.jsonl")
        try Data((#"{"operator":"counter","state":"count","key":"gone","namespace":null,"value":1}"# + "\n"
            + #"{"operator":"counter","state":"count","key":"stays","namespace":null,"value":2}"#).utf8).write(to: file)
        try Data(#""gone""#.utf8).write(to: keys)
        let out = dir.appendingPathComponent("out")
        #expect { try rewrite(fixture.savepointPath, file, to: out, also: [.dropState(operator: "counter", state: "count")]) } throws: {
            "\($0)".contains("--drop-state counter/count and --upsert \(file.path) contradict: line 1 writes into the dropped state")
        }
        var dry = Rewriter.Options(dryRun: true)
        dry.now = 0
        let counted = try Rewriter(input: try Savepoint.open(fixture.savepointPath),
                                   plan: RewritePlan(operations: [.upsert(file: file.path)]), options: dry).write(to: out)
        #expect(counted.operators.flatMap { $0.entries ?? [] }.first { $0.state == "count" }?.inserted == 2)
        #expect(!FileManager.default.fileExists(atPath: out.path))
        _ = try rewrite(fixture.savepointPath, file, to: out, also: [.deleteKeys(operator: "counter", file: keys.path)])
        let dump = String(decoding: try ConvertTestSupport.dump(out.path), as: UTF8.self)
        #expect(dump.contains(#""key":"stays""#) && !dump.contains(#""key":"gone""#))
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
        try run()
        try FileManager.default.removeItem(at: out)
        try Data((line + "\n" + missing).utf8).write(to: b)
        #expect { try run() } throws: { "\($0)".contains(b.path + ":1: the same entry as " + a.path + ":1") }
        try Data(missing.utf8).write(to: a)
        #expect { try run() } throws: { "\($0)".contains(b.path + ":2: the same entry as " + a.path + ":1") }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func planFileReadsUpsert() throws {
        let plan = try JSONDecoder().decode(RewritePlan.self, from: Data(#"{"version":1,"operations":[{"operation":"upsert","file":"p.jsonl"}]}"#.utf8))
        #expect(plan.operations == [.upsert(file: "p.jsonl")])
        let again = try JSONDecoder().decode(RewritePlan.self, from: try JSONEncoder().encode(plan))
        #expect(again == plan)
    }
}
