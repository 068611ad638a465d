import FlinkSerialization
import SavepointKit
import Testing

/// Flink's restore decisions (`TypeSerializerSchemaCompatibility`) on type pairs, as the serializer
/// snapshots in apache/flink resolve them.
@Suite struct SchemaCheckTests {
    static func t(_ text: String) throws -> SchemaType { try SchemaTypeParser.parse(text) }

    @Test func resolvesAsFlink() throws {
        let two = SchemaResolver(flinkMajor: 2), one = SchemaResolver(flinkMajor: 1)
        let pojo = "POJO a.P{count: Integer, name: String}"
        let cases: [(SchemaResolver, String, String, SchemaCompatibility, String)] = [
            (two, "Long", "Long", .compatibleAsIs, ""),
            (two, "Integer", "Long", .incompatible, ""),
            // PojoSerializerSnapshot: fields matched by name; added or removed → migration.
            (two, pojo, "POJO a.P{count: Integer, name: String, extra: Long}", .compatibleAfterMigration, ""),
            (two, pojo, "POJO a.P{name: String}", .compatibleAfterMigration, ""),
            (two, pojo, "POJO a.P{name: String, count: Integer}", .compatibleAsIs, ""),
            (two, pojo, "POJO a.P{count: Long, name: String}", .incompatible, "count"),
            (two, pojo, "POJO a.Q{count: Integer, name: String}", .incompatible, ""),
            (two, pojo, "Tuple2<Integer, String>", .incompatible, ""),
            // CompositeTypeSerializerSnapshot: the worst nested result, naming where.
            (two, "Map<String, POJO a.P{x: Long}>", "Map<String, POJO a.P{x: Long, y: Long}>", .compatibleAfterMigration, "value"),
            (two, "Tuple2<String, Long>", "Tuple2<String, Integer>", .incompatible, "f1"),
            (two, "Row(f0: Long)", "Row(f0: Long, f1: Long)", .incompatible, ""),
            (two, "List<Integer>", "Map<Integer, Integer>", .incompatible, ""),
            // TTL: TtlAwareSerializerSnapshot (2.x) migrates, 1.x refuses.
            (two, "String", "TTL<String>", .compatibleAfterMigration, ""),
            (two, "TTL<String>", "String", .compatibleAfterMigration, ""),
            (two, "Map<String, Long>", "Map<String, TTL<Long>>", .compatibleAfterMigration, "value"),
            (two, "String", "TTL<Long>", .incompatible, ""),
            (one, "String", "TTL<String>", .incompatible, ""),
            (one, "TTL<String>", "String", .incompatible, ""),
        ]
        for (resolver, old, new, result, field) in cases {
            let v = resolver.resolve(try Self.t(old), try Self.t(new))
            #expect(v.result == result && v.field == field, "\(old) → \(new) (Flink \(resolver.flinkMajor)): \(v)")
            if result != .compatibleAsIs { #expect(!v.reason.isEmpty && !v.serializer.isEmpty) }
        }
    }

    @Test func migratableAsTheIssueLists() throws {
        let r = SchemaResolver(flinkMajor: 1)
        let yes = [("Integer", "Long"), ("Float", "Double"), ("POJO a.P{x: Integer}", "POJO a.P{x: Long, y: String}"),
                   ("List<Integer>", "List<Long>"), ("Long", "Nullable<Long>"), ("String", "TTL<String>"),
                   ("Tuple2<String, Integer>", "POJO a.P{name: String, n: Long}"), ("Row(f0: Long)", "POJO a.P{x: Long}")]
        let no = [("Long", "Integer"), ("String", "Long"), ("POJO a.P{x: Long}", "POJO a.Q{x: Long}"),
                  ("Tuple2<String, Long>", "POJO a.P{x: String}"), ("List<Long>", "Map<Long, Long>")]
        for (o, n) in yes { #expect(r.migratable(try Self.t(o), try Self.t(n)), "\(o) → \(n)") }
        for (o, n) in no { #expect(!r.migratable(try Self.t(o), try Self.t(n)), "\(o) → \(n)") }
    }

    static func document(_ ops: [(String, String?, [(String, String, String)])]) throws -> SchemaDocument {
        var text = "{\"schemaDocument\": 1, \"operators\": ["
        text += ops.map { op in
            "{\"uid\": \"\(op.0)\", \"key\": \(op.1.map { "\"\($0)\"" } ?? "null"), \"states\": ["
                + op.2.map { "{\"name\": \"\($0.0)\", \"kind\": \"\($0.1)\", \"type\": \"\($0.2)\"" + ($0.1.hasPrefix("operator") ? "" : ", \"namespace\": \"VoidNamespace\"") + "}" }
                    .joined(separator: ", ") + "]}"
        }.joined(separator: ", ")
        return try SchemaDocument(json: Array((text + "]}").utf8), file: "t.json")
    }

    @Test func perStateWhereFlinkChecks() throws {
        let old = try Self.document([
            ("counter", "String", [("count", "value", "POJO a.P{x: Long}"), ("gone", "value", "Long")]),
            ("source", nil, [("offsets", "operator-list", "POJO a.P{x: Long}")]),
            ("old-op", nil, [("s", "operator-list", "Long")]),
        ])
        let new = try Self.document([
            ("counter", "String", [("count", "value", "POJO a.P{x: Long, y: Long}"), ("fresh", "list", "Long")]),
            ("source", nil, [("offsets", "operator-list", "POJO a.P{x: Long, y: Long}")]),
        ])
        let report = SchemaCheckReport(savepoint: old, path: "sp", against: new, targetPath: "t.json", flinkMajor: 2)
        let counter = try #require(report.operators.first { $0.uid == "counter" })
        let count = try #require(counter.states.first { $0.name == "count" }?.finding)
        // Keyed state: both backends migrate.
        #expect(count.compatibility == .compatibleAfterMigration && count.restores)
        #expect(counter.states.first { $0.name == "gone" }?.status == "dropped")
        #expect(counter.states.first { $0.name == "fresh" }?.status == "new")
        // Operator state: DefaultOperatorStateBackend does not migrate.
        let offsets = try #require(report.operators.first { $0.uid == "source" }?.states.first?.finding)
        #expect(offsets.compatibility == .compatibleAfterMigration && !offsets.restores && offsets.migratable == true)
        #expect(report.operators.first { $0.uid == "old-op" }?.status == "dropped")
        #expect(!report.restores)

        // A key type change is refused, migrate or not; a state's kind must not change.
        let rekeyed = try Self.document([("counter", "Long", [("count", "list", "POJO a.P{x: Long}")])])
        let r2 = SchemaCheckReport(savepoint: try Self.document([("counter", "Integer", [("count", "value", "POJO a.P{x: Long}")])]),
                                   path: "sp", against: rekeyed, targetPath: "t.json", flinkMajor: 2)
        let op = try #require(r2.operators.first)
        #expect(op.key?.restores == false && op.key?.migratable == false)
        #expect(op.states.first?.finding?.compatibility == .incompatible && op.states.first?.finding?.reason?.contains("state types") == true)
        // Dropped operators pass with allowNonRestoredState.
        let allowed = SchemaCheckReport(savepoint: try Self.document([("a", nil, [("s", "operator-list", "Long")]), ("b", nil, [("s", "operator-list", "Long")])]),
                                        path: "sp", against: try Self.document([("a", nil, [("s", "operator-list", "Long")])]),
                                        targetPath: "t.json", flinkMajor: 2, allowNonRestoredState: true)
        #expect(allowed.restores)
    }
}
