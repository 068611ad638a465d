import Foundation
import SavepointTestSupport
import Testing

/// `savepoint upgrade` as a user runs it: --check's exit codes and report, a refusal that writes
/// nothing, an upgraded retained checkpoint that validates as a savepoint.
@Suite struct UpgradeCommandLineTests {
    static func fixture(_ path: String) -> String { Fixture.root.appendingPathComponent(path).path }

    @Test func checkSaysWhatFlink2Does() throws {
        let asIs = try SavepointBinary.run(["upgrade", Self.fixture("1.20.5/types/filesystem/savepoint"), "--check"])
        #expect(asIs.status == 0 && asIs.out.contains("Flink 2 restores every state as is.")
                && asIs.out.contains("restores as is") && asIs.out.contains("Kryo savepointfixtures.KryoThing"), "\(asIs)")
        let collections = Self.fixture("1.20.5/collections/filesystem/savepoint")
        let refused = try SavepointBinary.run(["upgrade", collections, "--check"])
        #expect(refused.status == 1 && refused.out.contains("cannot be migrated")
                && refused.out.contains("1 state cannot be migrated; upgrade refuses this savepoint.")
                && refused.out.contains("each value is re-encoded for Kryo 5"), "\(refused)")
        let json = try SavepointBinary.run(["upgrade", collections, "--check", "--json"])
        #expect(json.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect(report["restoresAsIs"] as? Bool == false && report["upgradable"] as? Bool == false)
        let states = try #require(report["states"] as? [[String: Any]])
        #expect(states.first { $0["state"] as? String == "basket" }?["verdict"] as? String == "cannot be migrated")
    }

    @Test func refusalWritesNothing() throws {
        let dir = try Scratch.directory("upgrade-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let r = try SavepointBinary.run(["upgrade", Self.fixture("1.20.5/collections/filesystem/savepoint"), out])
        #expect(r.status == 2 && r.err.contains("basket (POJO savepointfixtures.Basket{") && r.err.contains("give --against")
                && !r.err.contains("numbers") && r.err.contains("nothing written"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let usage = try SavepointBinary.run(["upgrade", Self.fixture("1.20.5/types/filesystem/savepoint")])
        #expect(usage.status == 2 && usage.err.contains("give OUT"), "\(usage)")
    }

    /// The whole collections fixture with the new job's schema: basket's fields to Flink 2's
    /// collection serializers, the Types.GENERIC states' values from Kryo 2.24 to Kryo 5.
    @Test func collectionsUpgradeWithTheNewJobsSchema() throws {
        let dir = try Scratch.directory("upgrade-cli-collections")
        defer { try? FileManager.default.removeItem(at: dir) }
        let schema = try SavepointBinary.run(["schema", "show", Self.fixture("2.3.0/collections/filesystem/savepoint"), "--json"])
        let against = dir.appendingPathComponent("new-job.json")
        try Data(schema.out.utf8).write(to: against)
        let out = dir.appendingPathComponent("out").path
        let r = try SavepointBinary.run(["upgrade", Self.fixture("1.20.5/collections/filesystem/savepoint"), out, "--against", against.path])
        #expect(r.status == 0 && r.out.contains("/list: Kryo java.util.ArrayList -> Kryo java.util.ArrayList (values in Kryo 5)")
                && r.out.contains("(filesystem, 150 keyed entries, 120 migrated, verified)"), "\(r)")
        let dump = try SavepointBinary.run(["dump", out, "--state", "numbers", "--key", "13"])
        let flink2 = try SavepointBinary.run(["dump", Self.fixture("2.3.0/collections/filesystem/savepoint"), "--state", "numbers", "--key", "13"])
        #expect(dump.status == 0 && !dump.out.isEmpty && dump.out.split(separator: "\n").map { $0.drop { $0 != "," } }
                == flink2.out.split(separator: "\n").map { $0.drop { $0 != "," } }, "\(dump.out) vs \(flink2.out)")
    }

    @Test func checkpointBecomesASavepoint() throws {
        let dir = try Scratch.directory("upgrade-cli-chk")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let r = try SavepointBinary.run(["upgrade", Self.fixture("1.20.5/basic/rocksdb-incremental-checkpoint/checkpoint/chk-3"), out])
        #expect(r.status == 0 && r.out.contains("self-contained savepoint") && r.out.contains("(lsm, 1620 keyed entries, 0 migrated, verified)"), "\(r)")
        let check = try SavepointBinary.run(["upgrade", out, "--check", "--json"])
        #expect(check.status == 0 && !check.out.contains("retained checkpoint"), "\(check)")
        #expect(try SavepointBinary.run(["validate", out]).status == 0)
    }
}
