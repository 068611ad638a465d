import Bytes
import FlinkSerialization
import Foundation
@testable import SavepointKit
import SavepointTestSupport
import Testing

/// `schema migrate` on the committed pair `fixtures/schema/2.3.0/filesystem`: the base job's
/// savepoint migrated to each changed job's types, checked against what Flink itself wrote for those
/// types (`changed/<variant>/_metadata`, a savepoint of the changed job, same keys and values).
@Suite struct SchemaMigrationTests {
    static let pair = Fixture.root.appendingPathComponent("schema/2.3.0/filesystem")
    static var base: String { pair.appendingPathComponent("savepoint").path }

    static func target(_ variant: String, of pair: URL = pair) throws -> SchemaDocument {
        let file = pair.appendingPathComponent("targets/\(variant).json")
        return try SchemaDocument(json: Array(try Data(contentsOf: file)), file: file.path)
    }

    static func migrate(_ variant: String, into dir: URL) throws -> SchemaMigrateReport {
        let migration = try SchemaMigration(input: try Savepoint.open(base), target: try target(variant))
        return try migration.write(to: dir.appendingPathComponent("out"))
    }

    /// The stored value serializer snapshot of `state` in the keyed operator, as bytes.
    static func snapshotBytes(_ path: String, state: String, operator uid: String = "schema") throws -> [UInt8] {
        let savepoint = try Savepoint.open(path)
        let op = try #require(savepoint.metadata.operatorStates.first { $0.uid == uid })
        let keyed = try #require(op.subtaskStates.lazy.compactMap(\.state?.managedKeyedState).first)
        let meta = try #require(try KeyedStateHeader.read(keyed, of: op, in: savepoint).proxy.states.first { $0.name == state })
        var w = ByteWriter()
        try #require(meta.valueSerializer).writeTopLevel(to: &w)
        return w.bytes
    }

    static func dump(_ path: String, state: String) throws -> [String] {
        let output = JSONLinesOutput.inMemory()
        try Dumper(savepoint: try Savepoint.open(path), filter: DumpFilter()).run(into: output)
        try output.flush()
        return String(decoding: output.collected, as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { $0.contains("\"state\":\"\(state)\"") }.sorted()
    }

    /// Integer → Long, a POJO field int → long, a field removed, a Tuple2 → the POJO by position
    /// (f0 → count, f1 → name): the snapshot written is byte for
    /// byte the one Flink wrote for the new type, and every value is the one the changed job wrote
    /// (it wrote the same numbers and names).
    @Test(arguments: [("integer-to-long", "count"), ("pojo-int-to-long", "record"), ("pojo-field-removed", "record"),
                      ("tuple-to-pojo", "pair")])
    func writesWhatFlinkWritesForTheNewType(_ variant: String, _ state: String) throws {
        let dir = try Scratch.directory("migrate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = try Self.migrate(variant, into: dir)
        #expect(report.verified)
        #expect(report.states.map(\.state) == [state] && report.states.first?.entries == 20)
        let out = dir.appendingPathComponent("out").path
        let flink = Self.pair.appendingPathComponent("changed/\(variant)").path
        #expect(try Self.snapshotBytes(out, state: state) == Self.snapshotBytes(flink, state: state), "\(variant)")
        #expect(try Self.snapshotBytes(out, state: state) != Self.snapshotBytes(Self.base, state: state))
        let migrated = try Self.dump(out, state: state)
        #expect(migrated.count == 20)
        #expect(migrated == (try Self.dump(flink, state: state)), "\(variant)")
        // The states the target leaves alone are as they were.
        #expect(try Self.dump(out, state: "note") == Self.dump(Self.base, state: "note"))
        // And check finds the output compatible as is with the target.
        let check = SchemaCheckReport(savepoint: try SchemaDocument(try Savepoint.open(out)), path: out,
                                      against: try Self.target(variant), targetPath: variant, flinkMajor: 2)
        #expect(check.operators.flatMap(\.states).allSatisfy { ($0.finding?.compatibility ?? .compatibleAsIs) == .compatibleAsIs })
    }

    /// A field added: the snapshot is Flink's, the field starts as its Java default (0; the changed
    /// job itself wrote the key there, so values are compared with the field set to 0).
    @Test func pojoFieldAddedStartsAtItsDefault() throws {
        let dir = try Scratch.directory("migrate")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Self.migrate("pojo-field-added", into: dir)
        let out = dir.appendingPathComponent("out").path
        let flink = Self.pair.appendingPathComponent("changed/pojo-field-added").path
        #expect(try Self.snapshotBytes(out, state: "record") == Self.snapshotBytes(flink, state: "record"))
        let migrated = try Self.dump(out, state: "record")
        #expect(migrated.count == 20 && migrated.allSatisfy { $0.contains("\"extra\":0") })
        let written = try Self.dump(flink, state: "record").map {
            $0.replacingOccurrences(of: #"\"extra\":[0-9]+"#, with: "\"extra\":0", options: .regularExpression)
        }
        #expect(migrated == written)
    }

    /// A hand-edited target that lists the new field last: the fields are written in Flink's order
    /// (by name, as `PojoTypeInfo` sorts them), so the snapshot is still the one Flink wrote.
    @Test func pojoFieldsInFlinksOrder() throws {
        let dir = try Scratch.directory("migrate")
        defer { try? FileManager.default.removeItem(at: dir) }
        var target = try Self.target("pojo-field-added")
        let record = try #require(target.operators[1].states.firstIndex { $0.name == "record" })
        target.operators[1].states[record].type = try SchemaTypeParser.parse(
            "POJO savepointfixtures.SchemaRecord{count: Integer, name: String, extra: Long}")
        let report = try SchemaMigration(input: try Savepoint.open(Self.base), target: target)
            .write(to: dir.appendingPathComponent("out"))
        #expect(report.states.first?.to == "POJO savepointfixtures.SchemaRecord{count: Integer, extra: Long, name: String}")
        let flink = Self.pair.appendingPathComponent("changed/pojo-field-added").path
        #expect(try Self.snapshotBytes(dir.appendingPathComponent("out").path, state: "record")
                == Self.snapshotBytes(flink, state: "record"))
    }

    /// TTL switched on: Flink's `TtlSerializerSnapshot` byte for byte, every value wrapped with
    /// `--now` as its last access; switched off: the plain snapshot Flink writes for a String state
    /// (the base job's own "note"), the values unwrapped.
    @Test func ttlSwitchedOnAndOff() throws {
        let dir = try Scratch.directory("migrate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let now: Int64 = 1_767_225_600_000
        let on = dir.appendingPathComponent("on")
        let report = try SchemaMigration(input: try Savepoint.open(Self.base), target: try Self.target("ttl-on"))
            .write(to: on, options: .init(now: now))
        #expect(report.states.map(\.to) == ["TTL<String>"])
        let flink = Self.pair.appendingPathComponent("changed/ttl-on").path
        #expect(try Self.snapshotBytes(on.path, state: "note") == Self.snapshotBytes(flink, state: "note"))
        let wrapped = try Self.dump(on.path, state: "note")
        #expect(wrapped.count == 20 && wrapped.allSatisfy { $0.contains("\"ttlTimestamp\":\(now)") })
        #expect(wrapped.map { $0.replacingOccurrences(of: ",\"ttlTimestamp\":\(now)", with: "") } == (try Self.dump(Self.base, state: "note")))

        let off = dir.appendingPathComponent("off")
        _ = try SchemaMigration(input: try Savepoint.open(Self.base), target: try Self.target("ttl-off")).write(to: off)
        #expect(try Self.snapshotBytes(off.path, state: "expiring") == Self.snapshotBytes(Self.base, state: "note"))
        let unwrapped = try Self.dump(off.path, state: "expiring")
        #expect(unwrapped.count == 20 && !unwrapped.contains { $0.contains("ttlTimestamp") })
        #expect(unwrapped.contains("{\"operator\":\"schema\",\"state\":\"expiring\",\"kind\":\"value\",\"key\":7,\"namespace\":null,\"value\":\"e7\"}"))
    }

    /// The native RocksDB pair (values inside SSTs): migrated in its own form, the LSM writer
    /// writes the new snapshot into the state's column family meta information, and the values read
    /// back are those of the canonical pair migrated the same way (the same job, the same keys).
    @Test func nativeFormMigratesInsideTheSSTs() throws {
        let dir = try Scratch.directory("migrate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let native = Fixture.root.appendingPathComponent("schema/2.3.0/rocksdb-native")
        let target = try Self.target("pojo-int-to-long", of: native)
        let out = dir.appendingPathComponent("native")
        let report = try SchemaMigration(input: try Savepoint.open(native.appendingPathComponent("savepoint").path), target: target)
            .write(to: out)
        #expect(report.target == .lsm && report.verified && report.states.first?.entries == 20)
        let flink = Self.pair.appendingPathComponent("changed/pojo-int-to-long").path
        #expect(try Self.snapshotBytes(out.path, state: "record") == Self.snapshotBytes(flink, state: "record"))
        #expect(try Self.dump(out.path, state: "record") == Self.dump(flink, state: "record"))
    }

    /// Flink 1.x refuses TTL switched on as it is (no `TtlAwareSerializer`); migrated, its `check`
    /// finds every state compatible as is (real Flink 1.20.5 restores it: schema-interop-test).
    @Test func flinkOneRestoresTTLSwitchedOnOnceMigrated() throws {
        let dir = try Scratch.directory("migrate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let one = Fixture.root.appendingPathComponent("schema/1.20.5/filesystem")
        let target = try Self.target("ttl-on", of: one)
        let input = one.appendingPathComponent("savepoint").path
        let before = SchemaCheckReport(savepoint: try SchemaDocument(try Savepoint.open(input)), path: input,
                                       against: target, targetPath: "ttl-on", flinkMajor: 1)
        #expect(!before.restores)
        let out = dir.appendingPathComponent("out")
        _ = try SchemaMigration(input: try Savepoint.open(input), target: target).write(to: out, options: .init(now: 1))
        let after = SchemaCheckReport(savepoint: try SchemaDocument(try Savepoint.open(out.path)), path: out.path,
                                      against: target, targetPath: "ttl-on", flinkMajor: 1)
        #expect(after.restores && after.operators.flatMap(\.states).allSatisfy { ($0.finding?.compatibility ?? .compatibleAsIs) == .compatibleAsIs })
    }

    /// Not migratable: refused with the reason, before anything is written.
    @Test func refusesBeforeWriting() throws {
        let dir = try Scratch.directory("migrate")
        defer { try? FileManager.default.removeItem(at: dir) }
        func refusal(_ document: SchemaDocument) throws -> String {
            do {
                _ = try SchemaMigration(input: try Savepoint.open(Self.base), target: document)
            } catch let e as MigrationRefusal {
                return e.description
            }
            Issue.record("no refusal")
            return ""
        }
        var keyChange = try Self.target("integer-to-long")
        keyChange.operators[1].key = .named("Long")
        #expect(try refusal(keyChange).contains("key type changes from Integer to Long"))
        var narrowing = try Self.target("integer-to-long")
        let count = try #require(narrowing.operators[1].states.firstIndex { $0.name == "count" })
        narrowing.operators[1].states[count].type = .named("Short")
        #expect(try refusal(narrowing) == "schema/count: Integer cannot be migrated to Short")
        // What is not built yet (a POJO to a tuple): refused naming the state.
        var toTuple = try Self.target("integer-to-long")
        let record = try #require(toTuple.operators[1].states.firstIndex { $0.name == "record" })
        toTuple.operators[1].states[record].type = try SchemaTypeParser.parse("Tuple2<Integer, String>")
        #expect(try refusal(toTuple).hasPrefix("schema/record: "))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}

