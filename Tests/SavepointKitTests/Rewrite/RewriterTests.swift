import Foundation
@testable import SavepointKit
import SavepointMetadata
import SavepointTestSupport
import Testing

/// Metadata-only rewrites of real-Flink savepoints in every form: the output dumps as the input
/// with the operator renamed (or gone), the input is unchanged, and refusals, dry runs and failed
/// verifications leave nothing behind.
@Suite struct RewriterTests {
    static let basic = Fixture.all.filter {
        $0.directory.path.contains("/2.3.0/basic/") || $0.directory.path.contains("/1.20.5/basic/")
    }

    /// The dump lines of `bytes`, with each line's operator passed through `rename` (nil drops the line).
    static func renamedDump(_ bytes: [UInt8], _ rename: (String) -> String?) -> [UInt8] {
        var out: [UInt8] = []
        for line in bytes.split(separator: 0x0A) {
            guard case var .object(fields)? = JSONValue.parse(Array(line)),
                  case let .string(op)? = fields["operator"] else { continue }
            guard let renamed = rename(op) else { continue }
            fields["operator"] = .string(renamed)
            out += Array(JSONValue.object(fields).text.utf8) + [0x0A]
        }
        return out
    }

    static func isOperator(_ name: String, _ uid: String) -> Bool { name == uid || name == OperatorID(uid: uid).hex }

    func rewrite(_ path: String, _ operations: [RewritePlan.Operation], to out: URL,
                 options: Rewriter.Options = Rewriter.Options()) throws -> RewriteReport {
        try Rewriter(input: try Savepoint.open(path), plan: RewritePlan(operations: operations), options: options)
            .write(to: out)
    }

    @Test(arguments: basic)
    func setUidMovesAllStateToTheNewID(_ fixture: Fixture) throws {
        let path = try #require(fixture.readablePath)
        let root = URL(fileURLWithPath: fixture.directory.path)
        let before = try Scratch.digest(of: root)
        let dir = try Scratch.directory("rewrite-uid")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let report = try rewrite(path, [.setUid(operator: "counter", uid: "counter-v2")], to: out)
        #expect(report.verified && report.filesCopied > 0 || report.bytesCopied == 0)

        let input = try Savepoint.open(path), written = try Savepoint.open(out.path)
        let old = try #require(input.metadata.operatorStates.first { $0.operatorID == OperatorID(uid: "counter") })
        let new = try #require(written.metadata.operatorStates.first { $0.operatorID == OperatorID(uid: "counter-v2") })
        #expect(new.uid == (input.metadata.storesOperatorUids ? "counter-v2" : nil))
        #expect(new.coordinatorState == old.coordinatorState && new.parallelism == old.parallelism)
        #expect(!written.metadata.operatorStates.contains { $0.operatorID == OperatorID(uid: "counter") })

        let expected = Self.renamedDump(try ConvertTestSupport.dump(path)) { Self.isOperator($0, "counter") ? "counter-v2" : $0 }
        let diff = DumpComparison.difference(actual: try ConvertTestSupport.dump(out.path), expected: expected)
        #expect(diff == nil, "\(fixture): \(diff ?? "")")
        #expect(try Scratch.digest(of: root) == before, "the input was modified")
        #expect(Scratch.leftovers(in: dir).isEmpty)
    }

    @Test(arguments: basic.filter { $0.form == "filesystem" || $0.form == "rocksdb-native" || $0.form == "memory" })
    func removeOperatorDropsItsState(_ fixture: Fixture) throws {
        let path = try #require(fixture.readablePath)
        let dir = try Scratch.directory("rewrite-remove")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let report = try rewrite(path, [.removeOperator(operator: "source")], to: out)
        #expect(report.operatorsWritten == 1 && report.operators.first?.removed == true)
        let written = try Savepoint.open(out.path)
        #expect(written.metadata.operatorStates.map(\.operatorID) == [OperatorID(uid: "counter")])
        let expected = Self.renamedDump(try ConvertTestSupport.dump(path)) { Self.isOperator($0, "source") ? nil : $0 }
        let actual = try ConvertTestSupport.dump(out.path)
        #expect(!actual.isEmpty)
        #expect(DumpComparison.difference(actual: actual, expected: expected) == nil)
    }

    /// A renamed keyed state: the stream header changes length, every key-group offset moves with
    /// it, and the entries read back unchanged under the new name (canonical, compressed and heap
    /// streams, inline and in files).
    @Test(arguments: basic.filter { !$0.isLSM })
    func renameStateRewritesTheStreamHeader(_ fixture: Fixture) throws {
        let path = try #require(fixture.readablePath)
        let dir = try Scratch.directory("rewrite-rename")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let report = try rewrite(path, [.renameState(operator: "counter", state: "count", to: "the-total-count"),
                                        .renameState(operator: "counter", state: "events", to: "e")], to: out)
        #expect(report.operators.first?.renamedStates == ["count": "the-total-count", "events": "e"])
        var expected: [UInt8] = []
        for line in try ConvertTestSupport.dump(path).split(separator: 0x0A) {
            guard case var .object(fields)? = JSONValue.parse(Array(line)) else { continue }
            if fields["state"] == .string("count") { fields["state"] = .string("the-total-count") }
            if fields["state"] == .string("events") { fields["state"] = .string("e") }
            expected += Array(JSONValue.object(fields).text.utf8) + [0x0A]
        }
        let diff = DumpComparison.difference(actual: try ConvertTestSupport.dump(out.path), expected: expected)
        #expect(diff == nil, "\(fixture): \(diff ?? "")")
        let written = try Savepoint.open(out.path), input = try Savepoint.open(path)
        #expect(written.metadata.operatorStates.map(\.uid) == input.metadata.operatorStates.map(\.uid), "uids stay")
        let deep = Validator(savepoint: written, options: .init(deep: true)).run()
        #expect(deep.errors == 0, "\(deep.findings)")
    }

    /// `setUidHash` jobs: the id becomes the given one; a stored uid whose hash it no longer is goes.
    @Test func setOperatorIDKeepsAUidOnlyWhenItStillHashesToTheID() throws {
        let fixture = try #require(Self.basic.first { $0.form == "filesystem" && $0.directory.path.contains("/2.3.0/") })
        let dir = try Scratch.directory("rewrite-id")
        defer { try? FileManager.default.removeItem(at: dir) }
        let id = try #require(OperatorID(hex: "2b1c0e5d9f8a7b6c5d4e3f2a1b0c9d8e"))
        _ = try rewrite(fixture.savepointPath, [.setOperatorID(operator: "counter", id: id),
                                                .setOperatorID(operator: "source", id: OperatorID(uid: "source"))],
                        to: dir.appendingPathComponent("out"))
        let written = try Savepoint.open(dir.appendingPathComponent("out").path)
        let ops = Dictionary(uniqueKeysWithValues: written.metadata.operatorStates.map { ($0.operatorID, $0.uid) })
        #expect(ops == [id: nil, OperatorID(uid: "source"): "source"])
        let expected = Self.renamedDump(try ConvertTestSupport.dump(fixture.savepointPath)) { $0 == "counter" ? id.hex : $0 }
        #expect(DumpComparison.difference(actual: try ConvertTestSupport.dump(written.path), expected: expected) == nil)
    }

    /// Flink 1.x stores no uids: `--uids` names the operators, and the written `_metadata` stays
    /// without uids (version 4 has no place for them).
    @Test func uidsNameOperatorsOfSavepointsThatStoreIdsOnly() throws {
        let fixture = try #require(Self.basic.first { $0.directory.path.contains("/1.20.5/") && $0.form == "filesystem" })
        var input = try Savepoint.open(fixture.savepointPath)
        try #require(!input.metadata.storesOperatorUids)
        input.name(uids: ["counter", "source"])
        let dir = try Scratch.directory("rewrite-1x")
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = try Rewriter(input: input, plan: RewritePlan(operations: [.setUid(operator: "counter", uid: "counter-v2")]))
            .write(to: dir.appendingPathComponent("out"))
        #expect(report.operators.first?.uidStored == false && report.operators.first?.newUid == "counter-v2")
        let written = try Savepoint.open(dir.appendingPathComponent("out").path)
        #expect(written.metadata.operatorStates.allSatisfy { $0.uid == nil })
        #expect(written.metadata.operatorStates.contains { $0.operatorID == OperatorID(uid: "counter-v2") })
    }

    @Test func dryRunAndRefusalsWriteNothing() throws {
        let fixture = try #require(Self.basic.first { $0.form == "filesystem" })
        let dir = try Scratch.directory("rewrite-nothing")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let dry = try rewrite(fixture.savepointPath, [.setUid(operator: "counter", uid: "c2")], to: out,
                              options: Rewriter.Options(dryRun: true))
        #expect(dry.dryRun && !dry.verified && dry.filesCopied == 2 && dry.files.count == 2)
        #expect(throws: SavepointError.self) {
            _ = try rewrite(fixture.savepointPath, [.removeOperator(operator: "nosuch")], to: out)
        }
        #expect(throws: SavepointError.self) {
            _ = try rewrite(fixture.savepointPath, [.setUid(operator: "counter", uid: "source")], to: out)
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// A copy that differs from its source fails verification: no OUT, nothing left.
    @Test func corruptedCopyFailsVerification() throws {
        let fixture = try #require(Self.basic.first { $0.form == "rocksdb-native" })
        let dir = try Scratch.directory("rewrite-verify")
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = Rewriter.Options()
        options.beforeVerification = { temp in
            let name = try #require(try FileManager.default.contentsOfDirectory(atPath: temp.path).first { $0 != "_metadata" })
            let handle = try FileHandle(forWritingTo: temp.appendingPathComponent(name))
            try handle.seek(toOffset: 10)
            try handle.write(contentsOf: Data([0xFF, 0x00, 0xFF]))
            try handle.close()
        }
        let out = dir.appendingPathComponent("out")
        do {
            _ = try rewrite(fixture.savepointPath, [.setUid(operator: "counter", uid: "c2")], to: out, options: options)
            Issue.record("a corrupted copy was accepted")
        } catch let ConvertError.verificationFailed(message) {
            #expect(message.contains("differs from"), "\(message)")
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(Scratch.leftovers(in: dir).isEmpty)
    }

    /// The dump of `path` with each line's state passed through `state` (nil drops the line).
    static func stateDump(_ path: String, _ state: (String) -> String?) throws -> [UInt8] {
        var out: [UInt8] = []
        for line in try ConvertTestSupport.dump(path).split(separator: 0x0A) {
            guard case var .object(fields)? = JSONValue.parse(Array(line)), case let .string(name)? = fields["state"] else { continue }
            guard let new = state(name) else { continue }
            fields["state"] = .string(new)
            out += Array(JSONValue.object(fields).text.utf8) + [0x0A]
        }
        return out
    }

    /// A dropped state leaves every form (LSM column families included) with its entries; the
    /// states after it move down and read back unchanged; the report counts what was read, kept and
    /// dropped; the form stays; the input is unchanged.
    @Test(arguments: basic)
    func dropStateRemovesTheStateAndItsEntries(_ fixture: Fixture) throws {
        let path = try #require(fixture.readablePath)
        let root = URL(fileURLWithPath: fixture.directory.path)
        let before = try Scratch.digest(of: root)
        let dir = try Scratch.directory("rewrite-drop")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let report = try rewrite(path, [.dropState(operator: "counter", state: "count")], to: out)
        #expect(report.verified && report.operatorsConverted == 1 && report.operators.first?.droppedStates == ["count"])
        let entries = try #require(report.operators.first?.entries)
        let count = try #require(entries.first { $0.state == "count" })
        #expect(count.read > 0 && count.kept == 0 && count.dropped == count.read)
        #expect(entries.filter { $0.state != "count" }.allSatisfy { $0.kept == $0.read })
        let expected = try Self.stateDump(path) { $0 == "count" ? nil : $0 }
        let diff = DumpComparison.difference(actual: try ConvertTestSupport.dump(out.path), expected: expected)
        #expect(diff == nil, "\(fixture): \(diff ?? "")")
        let input = try Savepoint.open(path), written = try Savepoint.open(out.path)
        #expect(SavepointForm(written.metadata) == SavepointForm(input.metadata), "the form stays")
        let deep = Validator(savepoint: written, options: .init(deep: true)).run()
        #expect(deep.errors == 0, "\(deep.findings)")
        #expect(try Scratch.digest(of: root) == before, "the input was modified")
    }

    /// Renaming in the LSM form writes the operator again through the LSM writer: the column
    /// family carries the new name, entries unchanged.
    @Test(arguments: basic.filter(\.isLSM))
    func renameStateInTheLSMForm(_ fixture: Fixture) throws {
        let path = try #require(fixture.readablePath)
        let dir = try Scratch.directory("rewrite-rename-lsm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let report = try rewrite(path, [.renameState(operator: "counter", state: "count", to: "total")], to: out)
        #expect(report.verified && report.operatorsConverted == 1)
        let expected = try Self.stateDump(path) { $0 == "count" ? "total" : $0 }
        let diff = DumpComparison.difference(actual: try ConvertTestSupport.dump(out.path), expected: expected)
        #expect(diff == nil, "\(fixture): \(diff ?? "")")
        #expect(SavepointForm(try Savepoint.open(out.path).metadata) == .lsm)
    }

    /// `--to` converts in the same pass as the plan: the uid changes and the form is the target's.
    @Test(arguments: [("filesystem", ConvertOptions.Target.lsm, SavepointForm.lsm),
                      ("rocksdb-native", .filesystem, .filesystem), ("hashmap-native", .memory, .memorySnapshot)])
    func toConvertsInTheSamePass(_ form: String, _ target: ConvertOptions.Target, _ expectedForm: SavepointForm) throws {
        let fixture = try #require(Self.basic.first { $0.form == form && $0.directory.path.contains("/2.3.0/") })
        let dir = try Scratch.directory("rewrite-to")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        var options = Rewriter.Options()
        options.target = target
        let report = try rewrite(fixture.savepointPath, [.setUid(operator: "counter", uid: "counter-v2")], to: out, options: options)
        #expect(report.verified && report.target == target && report.operatorsConverted == report.operatorsWritten && report.filesCopied == 0)
        let written = try Savepoint.open(out.path)
        #expect(SavepointForm(written.metadata) == expectedForm)
        let expected = Self.renamedDump(try ConvertTestSupport.dump(fixture.savepointPath)) { Self.isOperator($0, "counter") ? "counter-v2" : $0 }
        let diff = DumpComparison.difference(actual: try ConvertTestSupport.dump(out.path), expected: expected)
        #expect(diff == nil, "\(form) -> \(target): \(diff ?? "")")
    }

    /// A dry run of a drop reads the entries and counts them, and writes nothing.
    @Test func dryRunCountsEntriesKeptAndDropped() throws {
        let fixture = try #require(Self.basic.first { $0.form == "rocksdb-native" })
        let dir = try Scratch.directory("rewrite-drop-dry")
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = try rewrite(fixture.savepointPath, [.dropState(operator: "counter", state: "events")],
                                 to: dir.appendingPathComponent("out"), options: Rewriter.Options(dryRun: true))
        let events = try #require(report.operators.first?.entries?.first { $0.state == "events" })
        #expect(events.read == 300 && events.dropped == 300 && !report.verified)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// An operator written through the pipeline is read back and verified: a changed byte in a
    /// rewritten keyed stream fails verification and leaves no OUT.
    @Test func pipelineOutputIsVerified() throws {
        let fixture = try #require(Self.basic.first { $0.form == "filesystem" && $0.directory.path.contains("/2.3.0/") })
        let dir = try Scratch.directory("rewrite-drop-verify")
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = Rewriter.Options()
        options.beforeVerification = { temp in
            let streams = try FileManager.default.contentsOfDirectory(atPath: temp.path).filter { $0 != "_metadata" }
            try #require(!streams.isEmpty)
            for name in streams {
                let handle = try FileHandle(forWritingTo: temp.appendingPathComponent(name))
                try handle.seek(toOffset: 12_000)
                try handle.write(contentsOf: Data(repeating: 0xA5, count: 1))
                try handle.close()
            }
        }
        let out = dir.appendingPathComponent("out")
        #expect(throws: ConvertError.self) {
            _ = try rewrite(fixture.savepointPath, [.dropState(operator: "counter", state: "events")], to: out, options: options)
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(Scratch.leftovers(in: dir).isEmpty)
    }

    /// `--delete-keys` and `--keep-keys`: every entry and timer of the keys leaves (or stays), in
    /// the stream, heap and LSM forms; the other operators are copied as they are.
    @Test(arguments: basic.filter { ["filesystem", "hashmap-native", "rocksdb-native"].contains($0.form) })
    func keyFiltersDeleteOrKeepEveryEntryOfTheKeys(_ fixture: Fixture) throws {
        let path = try #require(fixture.readablePath)
        let dir = try Scratch.directory("rewrite-keys")
        defer { try? FileManager.default.removeItem(at: dir) }
        let keysFile = dir.appendingPathComponent("keys.jsonl")
        try Data("\"key-0001\"\n\n\"key-0150\"\n\"no-such-key\"\n".utf8).write(to: keysFile)
        let keys: Set<JSONValue> = [.string("key-0001"), .string("key-0150"), .string("no-such-key")]
        func key(_ line: ArraySlice<UInt8>) -> JSONValue? {
            guard case let .object(fields)? = JSONValue.parse(Array(line)) else { return nil }
            return fields["key"]
        }
        let input = try ConvertTestSupport.dump(path).split(separator: 0x0A)
        for (keep, name) in [(false, "deleted"), (true, "kept")] {
            let out = dir.appendingPathComponent(name)
            let operation: RewritePlan.Operation = keep ? .keepKeys(operator: "counter", file: keysFile.path)
                                                        : .deleteKeys(operator: "counter", file: keysFile.path)
            let report = try rewrite(path, [operation], to: out)
            #expect(report.verified && report.operatorsConverted == 1)
            var expected: [UInt8] = []
            for line in input {
                // Operator state has no key: it stays.
                if let k = key(line), keys.contains(k) != keep { continue }
                expected += Array(line) + [0x0A]
            }
            let diff = DumpComparison.difference(actual: try ConvertTestSupport.dump(out.path), expected: expected)
            #expect(diff == nil, "\(fixture) \(name): \(diff ?? "")")
            let count = try #require(report.operators.first?.entries?.first { $0.state == "count" })
            #expect(count.kept == (keep ? 2 : count.read - 2), "\(count)")
        }
    }

    /// `--purge-expired-ttl`: nothing dropped when nothing is due (`now` before every expiry),
    /// everything of the TTL states dropped with a `now` past every expiry, and exactly the entries
    /// whose last access + TTL is at or before `now` in between (value and map state, every form).
    @Test(arguments: Fixture.all.filter { $0.directory.path.contains("/2.3.0/types/")
        && ["filesystem", "hashmap-native", "rocksdb-native"].contains($0.form) })
    func purgeExpiredTTLDropsWhatIsDue(_ fixture: Fixture) throws {
        let path = try #require(fixture.readablePath)
        let dir = try Scratch.directory("rewrite-ttl")
        defer { try? FileManager.default.removeItem(at: dir) }
        let lines = try ConvertTestSupport.dump(path).split(separator: 0x0A).map { Array($0) }
        func ttl(_ line: [UInt8]) -> Int64? {
            guard case let .object(fields)? = JSONValue.parse(line), case let .integer(t)? = fields["ttlTimestamp"] else { return nil }
            return t
        }
        let stamps = lines.compactMap(ttl).sorted()
        try #require(stamps.count > 2 && stamps.first! < stamps.last!)
        let day: Int64 = 86_400_000
        for (name, now) in [("none", stamps.first! + day - 1), ("all", stamps.last! + day), ("some", stamps[stamps.count / 2] + day)] {
            var options = Rewriter.Options()
            options.now = now
            let out = dir.appendingPathComponent(name)
            let report = try rewrite(path, [.purgeExpiredTTL(operator: nil, state: nil, ttl: "1d")], to: out, options: options)
            #expect(report.verified)
            var expected: [UInt8] = []
            for line in lines where (ttl(line).map { $0 + day > now } ?? true) { expected += line + [0x0A] }
            let diff = DumpComparison.difference(actual: try ConvertTestSupport.dump(out.path), expected: expected)
            #expect(diff == nil, "\(fixture) \(name): \(diff ?? "")")
            let dropped = report.operators.flatMap { $0.entries ?? [] }.reduce(0) { $0 + $1.dropped }
            let due = stamps.filter { $0 + day <= now }.count
            #expect(dropped == Int64(due), "\(name): \(dropped) dropped, \(due) due")
            if name == "none" { #expect(dropped == 0) }
            if name == "all" { #expect(dropped == Int64(stamps.count)) }
        }
    }
}

