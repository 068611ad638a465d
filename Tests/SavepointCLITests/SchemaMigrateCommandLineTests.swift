import Foundation
import SavepointTestSupport
import Testing

/// `savepoint schema migrate` as a user runs it: show → edit → check (Flink refuses) → migrate →
/// check the output (compatible as is); refusals exit 2 with the reason and write nothing.
@Suite struct SchemaMigrateCommandLineTests {
    static let savepoint = Fixture.root.appendingPathComponent("schema/2.3.0/filesystem/savepoint").path

    @Test func showEditCheckMigrate() throws {
        let dir = try Scratch.directory("schema-migrate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let shown = try SavepointBinary.run(["schema", "show", Self.savepoint, "--json"])
        #expect(shown.status == 0)
        let edited = shown.out.replacingOccurrences(of: "\"name\": \"count\",\n          \"namespace\": \"VoidNamespace\",\n          \"type\": \"Integer\"",
                                                    with: "\"name\": \"count\",\n          \"namespace\": \"VoidNamespace\",\n          \"type\": \"Long\"")
        #expect(edited != shown.out, "the edit must change the document: \(shown.out)")
        let target = dir.appendingPathComponent("new-job.json")
        try Data(edited.utf8).write(to: target)
        let before = try SavepointBinary.run(["schema", "check", Self.savepoint, "--against", target.path])
        #expect(before.status == 1 && before.out.contains("count (value): incompatible"), "\(before.out)")

        let out = dir.appendingPathComponent("migrated").path
        let migrated = try SavepointBinary.run(["schema", "migrate", Self.savepoint, out, "--to", target.path])
        #expect(migrated.status == 0, "\(migrated.err)")
        #expect(migrated.out.contains("migrated schema/count: Integer -> Long (20 entries)") && migrated.out.contains("verified"), "\(migrated.out)")
        let after = try SavepointBinary.run(["schema", "check", out, "--against", target.path])
        #expect(after.status == 0 && after.out.contains("count (value): compatible as is"), "\(after.out)")

        // --json, another form, and OUT already there without --force.
        let lsm = dir.appendingPathComponent("lsm").path
        let json = try SavepointBinary.run(["schema", "migrate", Self.savepoint, lsm, "--to", target.path, "--to-form", "lsm", "--json"])
        #expect(json.status == 0, "\(json.err)")
        let report = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        #expect(report?["target"] as? String == "lsm" && report?["verified"] as? Bool == true)
        #expect((report?["states"] as? [[String: Any]])?.first?["entries"] as? Int == 20)
        let again = try SavepointBinary.run(["schema", "migrate", Self.savepoint, out, "--to", target.path])
        #expect(again.status == 2, "\(again.err)")
    }

    @Test func refusesWithTheReasonAndWritesNothing() throws {
        let dir = try Scratch.directory("schema-migrate-refused")
        defer { try? FileManager.default.removeItem(at: dir) }
        let shown = try String(contentsOf: Fixture.root.appendingPathComponent("schema/2.3.0/filesystem/targets/integer-to-long.json"), encoding: .utf8)
        let target = dir.appendingPathComponent("key-changed.json")
        try Data(shown.replacingOccurrences(of: "\"key\": \"Integer\"", with: "\"key\": \"Long\"").utf8).write(to: target)
        let out = dir.appendingPathComponent("out").path
        let r = try SavepointBinary.run(["schema", "migrate", Self.savepoint, out, "--to", target.path])
        #expect(r.status == 2 && r.err.contains("cannot migrate schema: the key type changes from Integer to Long")
                && r.err.contains("nothing written"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["key-changed.json"])
    }

    /// `--map` with the committed variant's renames (the POJO's count is now total): the counts are
    /// carried over; a map file that does not read exits 2 naming its line, nothing written.
    @Test func mapCarriesARenamedFieldOver() throws {
        let dir = try Scratch.directory("schema-migrate-map")
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = Fixture.root.appendingPathComponent("schema/2.3.0/filesystem/targets/pojo-field-renamed.json").path
        let map = Fixture.root.appendingPathComponent("generator/src/schema/pojo-field-renamed/renames.map").path
        let out = dir.appendingPathComponent("out").path
        let r = try SavepointBinary.run(["schema", "migrate", Self.savepoint, out, "--to", target, "--map", map])
        #expect(r.status == 0 && r.out.contains("{name: String, total: Integer} (20 entries)"), "\(r.out) \(r.err)")
        let dump = try SavepointBinary.run(["dump", out, "--state", "record", "--key", "7"])
        #expect(dump.out.contains("\"value\":{\"name\":\"r7\",\"total\":7}"), "\(dump.out)")

        let bad = dir.appendingPathComponent("bad.map")
        try Data("# renames\nsavepointfixtures.SchemaRecord.count total\n".utf8).write(to: bad)
        let refused = try SavepointBinary.run(["schema", "migrate", Self.savepoint, dir.appendingPathComponent("o2").path,
                                               "--to", target, "--map", bad.path])
        #expect(refused.status == 2 && refused.err.contains("bad.map, line 2, column 1:"), "\(refused.err)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("o2").path))
    }

    @Test func helpFitsEightyColumns() throws {
        let r = try SavepointBinary.run(["schema", "migrate", "--help"])
        #expect(r.status == 0 && r.out.contains("savepoint schema migrate SAVEPOINT /tmp/migrated --to new-job.json"))
        for line in r.out.split(separator: "\n") { #expect(line.count <= 80, "\(line)") }
    }
}
