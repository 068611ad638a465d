import FlinkSerialization
import Foundation
import SavepointKit
import SavepointTestSupport
import Testing

/// The schema document over every committed fixture: each type's notation reads back to the same
/// tree, the document reads back to itself, and checked against itself every state is compatible
/// as is.
@Suite struct SchemaDocumentTests {
    static let readable = Fixture.all.filter { $0.readablePath != nil }

    @Test func everyFixtureIsCovered() {
        #expect(Self.readable.count >= 60, "\(Self.readable.count) fixtures")
    }

    @Test(arguments: readable)
    func typesReadBack(_ fixture: Fixture) throws {
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        let document = try SchemaDocument(savepoint)
        var types: [SchemaType] = []
        for op in document.operators {
            types += op.key.map { [$0] } ?? []
            for s in op.states { types += [s.type] + (s.namespace.map { [$0] } ?? []) }
        }
        #expect(!types.isEmpty)
        for t in types {
            #expect(try SchemaTypeParser.parse(t.rendered) == t, "\(t.rendered)")
        }
        // The notation is inspect's, string for string.
        let inspect = try InspectReport(savepoint)
        for (op, shown) in zip(document.operators, inspect.operators) {
            #expect(op.key?.rendered == shown.keyType)
            #expect(op.states.map(\.type.rendered) == shown.states.map(\.valueType))
            #expect(op.states.map { $0.namespace?.rendered } == shown.states.map(\.namespaceType))
        }
        let back = try SchemaDocument(json: try document.json(), file: "show.json")
        #expect(back == document)
        let check = SchemaCheckReport(savepoint: document, path: fixture.description, against: back,
                                      targetPath: "show.json", flinkMajor: document.flinkVersion == "1.x" ? 1 : 2)
        #expect(check.restores)
        let findings = check.operators.flatMap { [$0.key].compactMap { $0 } + $0.states.compactMap(\.finding) }
        #expect(findings.allSatisfy { $0.compatibility == .compatibleAsIs })
        #expect(check.operators.allSatisfy { $0.status == "matched" && $0.states.allSatisfy { $0.status == "matched" } })
    }

    @Test func documentErrorsNameLineAndColumn() throws {
        let cases: [(String, Int, Int, String)] = [
            ("{\"schemaDocument\": 1, \"operators\": [\n", 2, 1, "expected a JSON value"),
            ("{\"schemaDocument\": 2, \"operators\": []}", 1, 1, "\"schemaDocument\": 1"),
            ("{\"schemaDocument\": 1,\n \"operators\": [{\"uid\": \"a\", \"key\": \"Map<String\", \"states\": []}]}",
             2, 47, "expected '>' to close Map<"),
            ("{\"schemaDocument\": 1,\n \"operators\": [{\"operatorId\": \"xyz\", \"key\": null, \"states\": []}]}",
             2, 31, "32 hex digits"),
            ("{\"schemaDocument\": 1, \"operators\": [{\"uid\": \"a\", \"key\": null, \"states\": [\n"
                + "  {\"name\": \"s\", \"kind\": \"value\", \"type\": \"Row(f0: Long, f2: Long)\"}]}]}",
             2, 57, "expected the row field f1"),
            ("{\"schemaDocument\": 1, \"operators\": [{\"uid\": \"a\", \"key\": null, \"states\": [\n"
                + "  {\"name\": \"s\", \"kind\": \"valu\", \"type\": \"Long\"}]}]}", 2, 25, "expected a state kind"),
            ("{\"schemaDocument\": 1, \"operators\": [{\"uid\": \"a\", \"key\": null, \"states\": [\n"
                + "  {\"name\": \"s\", \"kind\": \"value\"}]}]}", 2, 3, "expected the member \"type\""),
        ]
        for (text, line, column, words) in cases {
            let error = try #require(throws: SchemaDocumentError.self) {
                try SchemaDocument(json: Array(text.utf8), file: "t.json")
            }
            #expect(error.line == line && error.column == column && error.message.contains(words), "\(error)")
        }
        // An operator given by uid alone is matched by its hash, as Flink computes the id.
        let byUid = try SchemaDocument(json: Array("{\"schemaDocument\": 1, \"operators\": [{\"uid\": \"counter\", \"states\": []}]}".utf8),
                                       file: "t.json")
        #expect(byUid.operators.first?.operatorId == "0da08f51eaa85fc298e176a139b3649a")
    }
}

/// The committed pairs of `fixtures/schema/<flink>/<form>/`: a job's savepoint and the documents of the
/// same job with its types changed, shown from savepoints that job wrote. `check` gives the verdicts
/// real Flink gave when it restored each pair (`fixtures/generator/schema-interop-test --all`).
@Suite struct SchemaPairTests {
    static let root = Fixture.root.appendingPathComponent("schema")
    static let pairs: [String] = ["2.3.0/filesystem", "2.3.0/rocksdb-native", "1.20.5/filesystem"]
    /// What Flink did (exit of the oracle's restore): restores, or refuses with StateMigrationException.
    static let flinkRestores: [String: Bool] = [
        "pojo-field-added": true, "pojo-field-removed": true, "pojo-int-to-long": false, "integer-to-long": false,
        "tuple-to-pojo": false,
    ]

    @Test(arguments: pairs)
    func checkGivesFlinksVerdicts(_ pair: String) throws {
        let dir = Self.root.appendingPathComponent(pair)
        let savepointPath = dir.appendingPathComponent("savepoint").path
        let old = try SchemaDocument(try Savepoint.open(savepointPath))
        for variant in Self.flinkRestores.keys.sorted() + ["ttl-on", "ttl-off"] {
            let file = dir.appendingPathComponent("targets/\(variant).json")
            let new = try SchemaDocument(json: Array(try Data(contentsOf: file)), file: file.path)
            for t in new.operators.flatMap({ $0.states.map(\.type) }) { #expect(try SchemaTypeParser.parse(t.rendered) == t) }
            let major = pair.hasPrefix("1.") ? 1 : 2
            let report = SchemaCheckReport(savepoint: old, path: savepointPath, against: new, targetPath: file.path, flinkMajor: major)
            // TTL switched on or off: Flink 2.x migrates, 1.x refuses.
            let expected = Self.flinkRestores[variant] ?? (major == 2)
            #expect(report.restores == expected, "\(pair) \(variant)")
            let changed = report.operators.flatMap(\.states).filter { ($0.finding?.compatibility ?? .compatibleAsIs) != .compatibleAsIs }
            #expect(changed.count == 1, "\(pair) \(variant): exactly the changed state: \(changed.map(\.name))")
        }
    }
}
