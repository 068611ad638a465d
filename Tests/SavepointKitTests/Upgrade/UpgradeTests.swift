import FlinkSerialization
import Foundation
@testable import SavepointKit
import SavepointTestSupport
import Testing

/// `upgrade`'s verdicts on the committed Flink 1.x fixtures, and the collections POJO migrated to
/// the values Flink 2.3.0 wrote for the same job.
@Suite struct UpgradeTests {
    static let collectionsOperator = "79b1199978398354b8c5553990e877b9"

    static func collections(_ version: String, _ form: String = "filesystem") -> String {
        Fixture.root.appendingPathComponent("\(version)/collections/\(form)/savepoint").path
    }

    /// The 2.3.0 job's schema, as `schema show --json` gives it.
    static func flink2Schema() throws -> SchemaDocument {
        try SchemaDocument(json: try SchemaDocument(try Savepoint.open(collections("2.3.0"))).json(), file: "new-job.json")
    }

    /// Every 1.x fixture of the basic, types and window shapes: Flink 2.3.0 restores every state as
    /// is (checked with real Flink, `upgrade-interop-test --full`); a retained checkpoint gets the note.
    @Test func heldFixturesRestoreAsIs() throws {
        let fixtures = Fixture.all.filter {
            ($0.directory.path.contains("/1.20.5/") || $0.directory.path.contains("/1.18.1/")) && !$0.directory.path.contains("/collections/")
        }
        #expect(fixtures.count >= 40)
        for fixture in fixtures {
            let path = try #require(fixture.readablePath)
            let plan = try UpgradePlan(input: try Savepoint.open(path))
            #expect(plan.flinkVersion == "1.x")
            #expect(plan.restoresAsIs && plan.upgradable, "\(fixture): \(plan.findings.filter { $0.verdict != .restoresAsIs })")
            #expect(plan.notes.isEmpty == !fixture.form.contains("checkpoint"), "\(fixture): \(plan.notes)")
        }
    }

    @Test func collectionsVerdicts() throws {
        let input = try Savepoint.open(Self.collections("1.20.5"))
        let blind = try UpgradePlan(input: input)
        func verdict(_ plan: UpgradePlan, _ state: String) -> UpgradePlan.Finding? { plan.findings.first { $0.state == state } }
        #expect(!blind.restoresAsIs && !blind.upgradable)
        #expect(verdict(blind, "basket")?.verdict == .cannotMigrate && verdict(blind, "basket")?.reason?.contains("give --against") == true)
        // Types.GENERIC JDK collections: Kryo 2.24 data, re-encoded for Kryo 5 (KryoReencodingTests).
        for state in ["list", "map", "numbers"] {
            #expect(verdict(blind, state)?.verdict == .migrated && verdict(blind, state)?.reason?.contains("re-encoded for Kryo 5") == true)
        }
        let informed = try UpgradePlan(input: input, against: try Self.flink2Schema())
        let basket = try #require(verdict(informed, "basket"))
        #expect(basket.verdict == .migrated)
        #expect(basket.upgradedType == "POJO savepointfixtures.Basket{counts: Nullable<Map<Nullable<String>, Long>>, ids: Nullable<Set<Long>>,"
                + " items: Nullable<List<Nullable<String>>>, lines: Nullable<List<Nullable<POJO savepointfixtures.BasketLine{qty: Long, sku: String}>>>}")
        #expect(verdict(informed, "_timer_state/processing_user-timers")?.verdict == .restoresAsIs)
        // A savepoint Flink 2 wrote needs nothing.
        #expect(try UpgradePlan(input: try Savepoint.open(Self.collections("2.3.0"))).restoresAsIs)
    }

    @Test func refusesBeforeWriting() throws {
        let dir = try Scratch.directory("upgrade-refused")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Without the new job's schema basket's element types are unknown.
        let plan = try UpgradePlan(input: try Savepoint.open(Self.collections("1.20.5")))
        let out = dir.appendingPathComponent("out")
        #expect(throws: UpgradeRefusal.self) { try Upgrader(plan: plan).write(to: out) }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// basket alone (its Types.GENERIC siblings dropped; with them: KryoReencodingTests): upgraded, each value is the one Flink 2.3.0 wrote for the same key, in Flink 2's serializers,
    /// the nested BasketLines that Kryo wrote field by field included.
    @Test(arguments: ["filesystem", "rocksdb-native"])
    func basketValuesAreFlink2s(_ form: String) throws {
        let dir = try Scratch.directory("upgrade-basket")
        defer { try? FileManager.default.removeItem(at: dir) }
        let op = Self.collectionsOperator
        let kept = dir.appendingPathComponent("kept")
        let drops = ["list", "map", "numbers"].map { RewritePlan.Operation.dropState(operator: op, state: $0) }
        _ = try Rewriter(input: try Savepoint.open(Self.collections("1.20.5", form)), plan: RewritePlan(operations: drops)).write(to: kept)
        let plan = try UpgradePlan(input: try Savepoint.open(kept.path), against: try Self.flink2Schema())
        let out = dir.appendingPathComponent("out")
        let report = try Upgrader(plan: plan).write(to: out)
        #expect(report.verified && report.migratedEntries == 30)
        let upgraded = try Self.basketLines(out.path)
        #expect(upgraded.count == 30 && upgraded.values.contains { $0.contains("\"lines\":[{\"qty\":1,\"sku\":\"sku-1-0\"}]") })
        #expect(upgraded == (try Self.basketLines(Self.collections("2.3.0", form))))
    }

    /// basket's dump lines by key, without the operator (a 1.x savepoint names it by id).
    static func basketLines(_ path: String) throws -> [String: String] {
        let output = JSONLinesOutput.inMemory()
        try Dumper(savepoint: try Savepoint.open(path), filter: DumpFilter()).run(into: output)
        try output.flush()
        var lines: [String: String] = [:]
        for line in String(decoding: output.collected, as: UTF8.self).split(separator: "\n") where line.contains("\"state\":\"basket\"") {
            let key = try #require(line.range(of: "\"key\":")).upperBound
            let rest = line[key...]
            lines[String(rest.prefix { $0 != "," })] = String(rest)
        }
        return lines
    }
}
