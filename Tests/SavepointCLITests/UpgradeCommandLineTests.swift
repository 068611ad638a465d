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
                && refused.out.contains("4 states cannot be migrated; upgrade refuses this savepoint."), "\(refused)")
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
        #expect(r.status == 2 && r.err.contains("numbers (Kryo java.util.ArrayList): Kryo 2.24 data of java.util.ArrayList") && r.err.contains("nothing written"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let usage = try SavepointBinary.run(["upgrade", Self.fixture("1.20.5/types/filesystem/savepoint")])
        #expect(usage.status == 2 && usage.err.contains("give OUT"), "\(usage)")
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
