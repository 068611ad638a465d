import Foundation
import Testing
import SavepointTestSupport

/// `savepoint rewrite` as a user runs it: the renamed operator shows in inspect and dump, every
/// refusal exits 2 before anything is written, a dry run writes nothing, SIGTERM leaves no OUT.
@Suite struct RewriteCommandLineTests {
    static func fixture(_ version: String, _ form: String) -> Fixture? {
        Fixture.all.first { $0.form == form && $0.directory.path.contains("/\(version)/basic/") }
    }

    static let counterV2 = OperatorIDHex.of(uid: "counter-v2")

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// The dump's lines as strings, with `from` (uid or id) as operator replaced by `to`, sorted.
    func dumpLines(_ path: String, uids: [String] = [], replacing from: String? = nil, with to: String = "") throws -> [String] {
        let r = try SavepointBinary.run(["dump", path] + (uids.isEmpty ? [] : ["--uids", uids.joined(separator: ",")]))
        #expect(r.status == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n").map(String.init)
        guard let from else { return lines.sorted() }
        return lines.map { $0.replacingOccurrences(of: "{\"operator\":\"\(from)\"", with: "{\"operator\":\"\(to)\"") }.sorted()
    }

    @Test(arguments: [("2.3.0", "filesystem"), ("2.3.0", "rocksdb-native"), ("1.20.5", "memory"), ("1.20.5", "hashmap-native")])
    func setUidShowsInInspectAndDump(_ version: String, _ form: String) throws {
        let fixture = try #require(Self.fixture(version, form))
        let before = try Scratch.digest(of: fixture.directory)
        let dir = try Scratch.directory("cli-rewrite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let r = try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--set-uid", "counter=counter-v2", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let report = try json(r.out)
        #expect(report["verified"] as? Bool == true && report["path"] as? String == fixture.savepointPath)
        let stored = version.hasPrefix("2.")
        // Flink 1.x stores no uid: the id changes, and --uids names the operator by its new uid.
        let uids = stored ? [] : ["counter-v2", "source"]
        let inspect = try json(try SavepointBinary.run(["inspect", out, "--json"] + (stored ? [] : ["--uids", uids.joined(separator: ",")])).out)
        let operators = try #require(inspect["operators"] as? [[String: Any]])
        let renamed = try #require(operators.first { $0["operatorId"] as? String == Self.counterV2 }, "\(operators)")
        #expect(renamed["uid"] as? String == "counter-v2")
        #expect(!operators.contains { $0["operatorId"] as? String == OperatorIDHex.of(uid: "counter") })

        let expected = try dumpLines(fixture.savepointPath, uids: stored ? [] : ["counter", "source"],
                                     replacing: "counter", with: "counter-v2")
        #expect(!expected.isEmpty)
        #expect(try dumpLines(out, uids: uids) == expected)
        #expect(try Scratch.digest(of: fixture.directory) == before, "the input was modified")
    }

    @Test func removeOperatorAndPlanFile() throws {
        let fixture = try #require(Self.fixture("2.3.0", "rocksdb-native"))
        let dir = try Scratch.directory("cli-rewrite-plan")
        defer { try? FileManager.default.removeItem(at: dir) }
        let plan = dir.appendingPathComponent("plan.json")
        try Data(#"{"version": 1, "operations": [{"operation": "remove-operator", "operator": "source"}]}"#.utf8).write(to: plan)
        let out = dir.appendingPathComponent("out").path
        let r = try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--plan", plan.path, "--set-uid", "counter=c2"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("source (\(OperatorIDHex.of(uid: "source"))) removed"), "\(r.out)")
        let lines = try dumpLines(out)
        #expect(!lines.isEmpty && lines.allSatisfy { $0.hasPrefix("{\"operator\":\"c2\"") })
        #expect(try SavepointBinary.run(["validate", out, "--deep"]).status == 0)
    }

    @Test func renameStateShowsInDump() throws {
        let fixture = try #require(Self.fixture("2.3.0", "filesystem-compressed"))
        let dir = try Scratch.directory("cli-rewrite-rename")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let r = try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--rename-state", "counter/count=total"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("count -> total"), "\(r.out)")
        let expected = try dumpLines(fixture.savepointPath).map {
            $0.replacingOccurrences(of: "\"state\":\"count\"", with: "\"state\":\"total\"")
        }.sorted()
        #expect(try dumpLines(out) == expected)
        let native = try #require(Self.fixture("2.3.0", "rocksdb-native"))
        let lsm = try SavepointBinary.run(["rewrite", native.savepointPath, out + "2", "--rename-state", "counter/count=total"])
        #expect(lsm.status == 0 && lsm.out.contains("1 operator written entry by entry"), "\(lsm.err)")
        let expectedNative = try dumpLines(native.savepointPath).map {
            $0.replacingOccurrences(of: "\"state\":\"count\"", with: "\"state\":\"total\"")
        }.sorted()
        #expect(try dumpLines(out + "2") == expectedNative)
    }

    @Test func dryRunWritesNothing() throws {
        let fixture = try #require(Self.fixture("2.3.0", "filesystem"))
        let dir = try Scratch.directory("cli-rewrite-dry")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let r = try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--set-uid", "counter=counter-v2", "--dry-run"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("would rewrite") && r.out.contains("-> \(Self.counterV2) uid counter-v2")
                && r.out.contains("buckets, count, events") && r.out.contains("2 state files to copy"), "\(r.out)")
        let j = try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--remove-operator", "source", "--dry-run", "--json"])
        let doc = try json(j.out)
        #expect(doc["dryRun"] as? Bool == true && (doc["files"] as? [String])?.count == 2)
        #expect(((doc["plan"] as? [String: Any])?["operations"] as? [[String: String]])?.first?["operation"] == "remove-operator")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// --drop-state in a native RocksDB savepoint: the dry run counts the entries it would drop and
    /// writes nothing; the rewrite removes the state and its entries, keeps the form, and the JSON
    /// report says what was read, kept and dropped.
    @Test func dropStateCountsAndRemovesEntries() throws {
        let fixture = try #require(Self.fixture("2.3.0", "rocksdb-native"))
        let dir = try Scratch.directory("cli-rewrite-drop")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let dry = try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--drop-state", "counter/events", "--dry-run"])
        #expect(dry.status == 0 && dry.out.contains("events dropped")
                && dry.out.contains("events: 300 entries, 0 to keep, 300 to drop")
                && dry.out.contains("3 other states: all 1320 entries to keep"), "\(dry.out)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        let r = try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--drop-state", "counter/events", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let doc = try json(r.out)
        let op = try #require((doc["operators"] as? [[String: Any]])?.first)
        let events = try #require((op["entries"] as? [[String: Any]])?.first { $0["state"] as? String == "events" })
        #expect(events["read"] as? Int == 300 && events["kept"] as? Int == 0 && events["dropped"] as? Int == 300)
        #expect(doc["verified"] as? Bool == true && doc["operatorsConverted"] as? Int == 1)
        let expected = try dumpLines(fixture.savepointPath).filter { !$0.contains("\"state\":\"events\"") }
        #expect(try dumpLines(out) == expected)
        #expect(try SavepointBinary.run(["validate", out, "--deep"]).status == 0)
    }

    /// --delete-keys reads keys as dump prints them: a line that is not one names file and line
    /// and writes nothing; good keys leave the dump with all their entries.
    @Test func deleteKeysTakesKeysAsDumpPrintsThem() throws {
        let fixture = try #require(Self.fixture("2.3.0", "filesystem"))
        let dir = try Scratch.directory("cli-rewrite-keys")
        defer { try? FileManager.default.removeItem(at: dir) }
        let keys = dir.appendingPathComponent("keys.jsonl").path
        try Data("\"key-0007\"\nkey-0008\n".utf8).write(to: URL(fileURLWithPath: keys))
        let out = dir.appendingPathComponent("out").path
        let bad = try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--delete-keys", "counter=\(keys)"])
        #expect(bad.status == 2 && bad.err.contains("\(keys):2: not a JSON value"), "\(bad.err)")
        #expect(!FileManager.default.fileExists(atPath: out))
        try Data("\"key-0007\"\n".utf8).write(to: URL(fileURLWithPath: keys))
        let r = try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--delete-keys", "counter=\(keys)"])
        #expect(r.status == 0 && r.out.contains("count: 300 entries, 299 kept, 1 dropped"), "\(r.out)\(r.err)")
        let expected = try dumpLines(fixture.savepointPath).filter { !$0.contains("\"key\":\"key-0007\"") }
        #expect(try dumpLines(out) == expected)
    }

    /// --purge-expired-ttl with --now: nothing due at 0, everything of the TTL states due far in
    /// the future; the dry run says so per state.
    @Test func purgeExpiredTTLWithNow() throws {
        let fixture = try #require(Fixture.all.first { $0.form == "rocksdb-native" && $0.directory.path.contains("/2.3.0/types/") })
        let dir = try Scratch.directory("cli-rewrite-ttl")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let none = try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--purge-expired-ttl", "types/ttlValue=3650d",
                                            "--now", "0", "--dry-run"])
        #expect(none.status == 0 && none.out.contains("14 other states: all 579 entries to keep") && !none.out.contains("ttlValue:"), "\(none.out)\(none.err)")
        let all = try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--purge-expired-ttl", "3650d",
                                           "--now", "9000000000000"])
        #expect(all.status == 0 && all.out.contains("ttlValue: 40 entries, 0 kept, 40 dropped")
                && all.out.contains("ttlMap: 79 entries, 0 kept, 79 dropped"), "\(all.out)\(all.err)")
        let expected = try dumpLines(fixture.savepointPath).filter { !$0.contains("\"ttlTimestamp\"") }
        #expect(try dumpLines(out) == expected)
    }

    /// --to converts in the same pass: a native savepoint rewritten with a new uid as canonical
    /// files, whose dump is the input's under the new uid.
    @Test func toConvertsInTheSamePass() throws {
        let fixture = try #require(Self.fixture("2.3.0", "rocksdb-native"))
        let dir = try Scratch.directory("cli-rewrite-to")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let r = try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--set-uid", "counter=counter-v2", "--to", "canonical"])
        #expect(r.status == 0 && r.out.contains("written entry by entry as filesystem"), "\(r.out)\(r.err)")
        #expect(try dumpLines(out) == (try dumpLines(fixture.savepointPath, replacing: "counter", with: "counter-v2")))
        let inspect = try SavepointBinary.run(["inspect", out, "--json"])
        #expect(inspect.out.contains("\"form\": \"filesystem\""), "\(inspect.out)")
    }

    /// Every refusal exits 2 naming the problem, before anything is written.
    @Test(arguments: [
        (["--set-uid", "nosuch=x"], "no operator nosuch; the savepoint has: counter (0da08f51eaa85fc298e176a139b3649a), source"),
        (["--remove-operator", "counter", "--set-uid", "counter=c2"], "contradict"),
        (["--set-uid", "counter=source"], "is already operator source"),
        (["--set-uid", "counter=x", "--set-uid", "source=x"], "both operators would have id"),
        (["--set-uid", "counter"], "--set-uid takes OLD=NEW"),
        (["--set-operator-id", "counter=12"], "not an operator id"),
        (["--rename-state", "counter/nosuch=x"], "operator counter has no state nosuch; it has: buckets, count"),
        (["--rename-state", "counter/count=events"], "already has a state events"),
        (["--drop-state", "counter/nosuch"], "operator counter has no state nosuch; it has: buckets, count, events"),
        (["--drop-state", "counter/count", "--rename-state", "counter/count=total"], "one state dropped and renamed"),
        (["--drop-state", "counter"], "--drop-state takes OP/STATE"),
        (["--to", "paper"], "--to"),
        (["--delete-keys", "counter=/nonexistent/keys.jsonl"], "/nonexistent/keys.jsonl"),
        (["--delete-keys", "source=/dev/null"], "operator source has no keyed state"),
        (["--keep-keys", "counter"], "--keep-keys takes OP=VALUE"),
        (["--purge-expired-ttl", "36h"], "the savepoint has no TTL state"),
        (["--purge-expired-ttl", "counter/count=1y"], "1y is not a duration"),
        (["--purge-expired-ttl", "counter/count=1d"], "state count of operator counter holds no TTL values; its TTL states: none"),
        (["--plan", "/nonexistent/plan.json"], "/nonexistent/plan.json"),
        ([], "nothing to do"),
        (["--max-parallelism", "256"], "--max-parallelism"),
    ])
    func refusalsWriteNothing(_ args: [String], _ expected: String) throws {
        let fixture = try #require(Self.fixture("2.3.0", "filesystem"))
        let dir = try Scratch.directory("cli-rewrite-refused")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let r = try SavepointBinary.run(["rewrite", fixture.savepointPath, out] + args)
        #expect(r.status == 2 && r.err.contains(expected), "\(args): \(r.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func existingOutputNeedsForce() throws {
        let fixture = try #require(Self.fixture("2.3.0", "filesystem"))
        let dir = try Scratch.directory("cli-rewrite-force")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        #expect(try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--set-uid", "counter=a"]).status == 0)
        let again = try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--set-uid", "counter=b"])
        #expect(again.status == 2 && again.err.contains("--force"), "\(again.err)")
        let forced = try SavepointBinary.run(["rewrite", fixture.savepointPath, out, "--set-uid", "counter=b", "--force"])
        #expect(forced.status == 0, "\(forced.err)")
        #expect(try dumpLines(out).first?.hasPrefix("{\"operator\":\"b\"") == true)
        #expect(Scratch.leftovers(in: dir).isEmpty)
    }

    /// The hidden --test-pause-before-verification holds the rewrite with its copies written;
    /// SIGTERM then leaves neither OUT nor the temporary directory.
    @Test func sigtermLeavesNoOutput() throws {
        let fixture = try #require(Self.fixture("2.3.0", "rocksdb-native"))
        let binary = try #require(SavepointBinary.url)
        let dir = try Scratch.directory("cli-rewrite-sigterm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let p = Process()
        p.executableURL = binary
        p.arguments = ["rewrite", fixture.savepointPath, out.path, "--set-uid", "counter=c2", "--test-pause-before-verification", "10"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(20)
        var written = false
        while Date() < deadline, !written {
            Thread.sleep(forTimeInterval: 0.05)
            written = Scratch.leftovers(in: dir).contains { name in
                ((try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent(name).path)) ?? []).contains("_metadata")
            }
        }
        #expect(written, "the rewrite never wrote its _metadata")
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(p.terminationStatus == 128 + SIGTERM)
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(Scratch.leftovers(in: dir).isEmpty)
    }
}
