import FlinkSerialization
import Foundation
@testable import SavepointKit
import SavepointTestSupport
import Testing

/// `schema migrate` of list and map state, inside composites, through nullable wraps, and with
/// renames (`--map`), on the committed `basic` and `types` fixtures.
@Suite struct CompositeMigrationTests {
    static func path(_ shape: String, _ form: String) -> String {
        Fixture.root.appendingPathComponent("2.3.0/\(shape)/\(form)/savepoint").path
    }

    /// The savepoint's own document with the named states' types replaced.
    static func target(_ path: String, _ types: [String: String]) throws -> SchemaDocument {
        var document = try SchemaDocument(try Savepoint.open(path))
        for o in document.operators.indices {
            for s in document.operators[o].states.indices {
                if let t = types[document.operators[o].states[s].name] {
                    document.operators[o].states[s].type = try SchemaTypeParser.parse(t)
                }
            }
        }
        return document
    }

    static func migrate(_ input: String, to target: SchemaDocument, renames: SchemaRenames = SchemaRenames(),
                        form: ConvertOptions.Target? = nil, into dir: URL, _ name: String) throws -> (String, SchemaMigrateReport) {
        let out = dir.appendingPathComponent(name)
        let report = try SchemaMigration(input: try Savepoint.open(input), target: target, renames: renames)
            .write(to: out, options: .init(target: form, now: 1000))
        return (out.path, report)
    }

    /// Dump lines of `state`, parsed, sorted by their text (forms order entries differently).
    static func dump(_ path: String, state: String) throws -> [[String: JSONValue]] {
        let output = JSONLinesOutput.inMemory()
        try Dumper(savepoint: try Savepoint.open(path), filter: DumpFilter()).run(into: output)
        try output.flush()
        return try String(decoding: output.collected, as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { $0.contains("\"state\":\"\(state)\"") }.sorted()
            .map { line in
                guard case .object(let o)? = JSONValue.parse(Array(line.utf8)) else { throw SavepointError.usage("not an object: \(line)") }
                return o
            }
    }

    static func checksAsIs(_ path: String, _ target: SchemaDocument) throws -> Bool {
        SchemaCheckReport(savepoint: try SchemaDocument(try Savepoint.open(path)), path: path, against: target,
                          targetPath: "t", flinkMajor: 2).restores
    }

    /// A list state's elements and a map state's values, in filesystem (heap) and RocksDB native
    /// input, written as SSTs: a nullable wrap of each list element, TTL switched on for each map
    /// value; and back again, which gives the input's entries and serializer snapshots.
    @Test(arguments: ["filesystem", "rocksdb-native"])
    func listAndMapStateMigrateTheirElementsAndValues(_ form: String) throws {
        let dir = try Scratch.directory("migrate-composite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = Self.path("basic", form)
        let changed = try Self.target(input, ["events": "List<Nullable<String>>", "buckets": "Map<String, TTL<Long>>"])
        let (out, report) = try Self.migrate(input, to: changed, form: .lsm, into: dir, "out")
        #expect(report.verified)
        #expect(Set(report.states.map(\.state)) == ["events", "buckets"])
        #expect(report.states.allSatisfy { $0.entries > 0 })
        #expect(try Self.checksAsIs(out, changed))
        let before = try Self.dump(input, state: "buckets"), after = try Self.dump(out, state: "buckets")
        #expect(after.count == before.count && !after.isEmpty)
        for (b, a) in zip(before, after) {
            #expect(a["value"] == b["value"] && a["userKey"] == b["userKey"])
            #expect(a["ttlTimestamp"] == .integer(1000))
        }
        #expect(try Self.dump(out, state: "events").map { $0["value"] } == Self.dump(input, state: "events").map { $0["value"] })
        let original = try SchemaDocument(try Savepoint.open(input))
        let (back, _) = try Self.migrate(out, to: original, form: .filesystem, into: dir, "back")
        #expect(try SchemaDocument(try Savepoint.open(back)) == original)
        for state in ["events", "buckets"] {
            #expect(try Self.dump(back, state: state) == Self.dump(input, state: state), "\(state)")
            #expect(try SchemaMigrationTests.snapshotBytes(back, state: state, operator: "counter")
                    == SchemaMigrationTests.snapshotBytes(input, state: state, operator: "counter"))
        }
    }

    /// Inside a value state's map (`Map<String, Integer>` → `Map<String, Long>`), TTL switched off
    /// for a map state's values, a reducing state's `Long` wrapped in `Nullable`.
    @Test func nestedWideningTTLOffAndNullableWrap() throws {
        let dir = try Scratch.directory("migrate-composite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = Self.path("types", "rocksdb-native")
        let changed = try Self.target(input, ["map": "Map<String, Long>", "ttlMap": "Map<String, Long>", "sum": "Nullable<Long>"])
        let (out, report) = try Self.migrate(input, to: changed, into: dir, "out")
        #expect(report.verified && Set(report.states.map(\.state)) == ["map", "ttlMap", "sum"])
        #expect(try Self.checksAsIs(out, changed))
        for state in ["map", "ttlMap", "sum"] {
            let before = try Self.dump(input, state: state), after = try Self.dump(out, state: state)
            #expect(!after.isEmpty && after.map { $0["value"] } == before.map { $0["value"] }, "\(state)")
            #expect(after.allSatisfy { $0["ttlTimestamp"] == nil })
        }
        let sum = try SchemaMigrationTests.snapshotBytes(out, state: "sum", operator: "types")
        #expect(String(decoding: sum, as: UTF8.self).contains("NullableSerializer$NullableSerializerSnapshot"))
    }

    /// A map state's user key type is what orders its entries: a change is refused.
    @Test func refusesAUserKeyChange() throws {
        let input = Self.path("basic", "filesystem")
        let changed = try Self.target(input, ["buckets": "Map<Long, Long>"])
        #expect(throws: MigrationRefusal.self) { try SchemaMigration(input: try Savepoint.open(input), target: changed) }
        do { _ = try SchemaMigration(input: try Savepoint.open(input), target: changed) } catch let e as MigrationRefusal {
            #expect(e.description.hasPrefix("counter/buckets: the map's user key type changes from String to Long"))
        }
    }

    /// `--map`: a POJO field renamed (and widened) keeps its values under the new name; an enum
    /// constant renamed in a POJO field and in a value state keeps its ordinal, and the snapshot
    /// lists the new name where the old one was.
    @Test func renamesCarryValuesOver() throws {
        let dir = try Scratch.directory("migrate-renames")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = Self.path("types", "filesystem")
        let changed = try Self.target(input, [
            "pojo": "POJO savepointfixtures.Person{years: Long, color: Enum savepointfixtures.Color, name: String, nickname: String, score: Double}",
        ])
        let renames = try SchemaRenames(text: "# the new job's names\nsavepointfixtures.Person.age = years\nsavepointfixtures.Color.RED=CRIMSON  # renamed\n",
                                        file: "map.txt")
        // Without the map the age is lost (a field removed, one added at its default).
        let (lost, _) = try Self.migrate(input, to: changed, into: dir, "lost")
        #expect(try Self.dump(lost, state: "pojo").allSatisfy { $0["value"]?["years"] == .integer(0) })
        let (out, report) = try Self.migrate(input, to: changed, renames: renames, into: dir, "out")
        #expect(report.verified && Set(report.states.map(\.state)) == ["pojo", "color"])
        let before = try Self.dump(input, state: "pojo"), after = try Self.dump(out, state: "pojo")
        #expect(after.count == before.count && !after.isEmpty)
        for (b, a) in zip(before, after) {
            #expect(a["value"]?["years"] == b["value"]?["age"] && a["value"]?["age"] == nil)
            let color = b["value"]?["color"] == .string("RED") ? JSONValue.string("CRIMSON") : b["value"]?["color"]
            #expect(a["value"]?["color"] == color && a["value"]?["name"] == b["value"]?["name"])
        }
        let colors = try Self.dump(out, state: "color").compactMap { $0["value"] }
        #expect(colors.contains(.string("CRIMSON")) && !colors.contains(.string("RED")))
        let snapshot = String(decoding: try SchemaMigrationTests.snapshotBytes(out, state: "color", operator: "types"), as: UTF8.self)
        #expect(snapshot.contains("CRIMSON") && !snapshot.contains("RED"))
        #expect(try Self.checksAsIs(out, changed))
    }

    /// A rename that names nothing in the savepoint (a typo) is refused, not silently ignored.
    @Test func refusesARenameOfNothing() throws {
        let input = Self.path("types", "filesystem")
        let document = try SchemaDocument(try Savepoint.open(input))
        let renames = SchemaRenames(["savepointfixtures.Person": ["agee": "years"], "savepointfixtures.Color": ["RED": "CRIMSON"]])
        do {
            _ = try SchemaMigration(input: try Savepoint.open(input), target: document, renames: renames)
            Issue.record("no refusal")
        } catch let e as MigrationRefusal {
            #expect(e.description.hasPrefix("--map renames savepointfixtures.Person.agee, which no state's type has"))
        }
    }

    /// TTL switched on or off and a nullable wrap switched on only add or drop bytes before each
    /// value: spliced, not decoded (the tests above check the values that gives).
    @Test func wrapsAreSpliced() throws {
        let long = SchemaType.named("Long"), ttl = SchemaType.generic("TTL", [long])
        #expect(StateValueCodec.splice(from: long, to: ttl, now: 1000) == .prepend([0, 0, 0, 0, 0, 0, 3, 232]))
        #expect(StateValueCodec.splice(from: ttl, to: long, now: 1000) == .drop(8))
        #expect(StateValueCodec.splice(from: long, to: .generic("Nullable", [long]), now: 0) == .prepend([0]))
        #expect(StateValueCodec.splice(from: .generic("Nullable", [long]), to: long, now: 0) == nil)
        #expect(StateValueCodec.splice(from: .named("Integer"), to: ttl, now: 0) == nil)
    }

    @Test func mapFileErrorsNameTheLine() throws {
        #expect(throws: SchemaDocumentError.self) { try SchemaRenames(text: "a.B.c=d\nnot a rename\n", file: "m") }
        do { _ = try SchemaRenames(text: "a.B.c=d\nnot a rename\n", file: "m") } catch let e as SchemaDocumentError {
            #expect(e.line == 2 && e.description.hasPrefix("m, line 2, column 1: \"not a rename\" is not a rename"))
        }
        #expect(throws: SchemaDocumentError.self) { try SchemaRenames(text: "a.B.c=d\na.B.c=e", file: "m") }
        #expect(try SchemaRenames(text: "a.B$C.x = y\n\n# c\n", file: "m").members == ["a.B$C": ["x": "y"]])
    }
}

private extension JSONValue {
    subscript(_ member: String) -> JSONValue? {
        if case .object(let o) = self { return o[member] }
        return nil
    }
}
