import Foundation
import SavepointTestSupport
import Testing

/// `savepoint schema show | check` as a user runs them: the document piped back into check, edits
/// that Flink refuses (exit 1), targets that do not parse (exit 2, line and column).
@Suite struct SchemaCommandLineTests {
    static let readable = Fixture.all.compactMap(\.readablePath)

    static func showJSON(_ path: String, into dir: URL) throws -> URL {
        let r = try SavepointBinary.run(["schema", "show", path, "--json"])
        #expect(r.status == 0, "\(r.err)")
        let file = dir.appendingPathComponent("target.json")
        try Data(r.out.utf8).write(to: file)
        return file
    }

    /// Every committed fixture, checked against its own unchanged document, restores as is.
    @Test func unchangedDocumentChecksOnEveryFixture() throws {
        #expect(Self.readable.count >= 60)
        let dir = try Scratch.directory("schema-unchanged")
        defer { try? FileManager.default.removeItem(at: dir) }
        for path in Self.readable {
            let target = try Self.showJSON(path, into: dir)
            let r = try SavepointBinary.run(["schema", "check", path, "--against", target.path])
            #expect(r.status == 0 && r.out.contains("restores and reads every state")
                    && !r.out.contains("incompatible") && !r.out.contains("after migration"), "\(path): \(r.out)\(r.err)")
        }
    }

    @Test func editedTargetsAreJudgedAsFlinkWould() throws {
        let path = try #require(Fixture.all.first { $0.directory.path.contains("/2.3.0/types/") && $0.form == "filesystem" }?.savepointPath)
        let dir = try Scratch.directory("schema-edited")
        defer { try? FileManager.default.removeItem(at: dir) }
        let shown = try String(contentsOf: try Self.showJSON(path, into: dir), encoding: .utf8)
        func check(_ text: String, _ extra: [String] = []) throws -> (status: Int32, out: String, err: String) {
            let file = dir.appendingPathComponent("edited.json")
            try Data(text.utf8).write(to: file)
            return try SavepointBinary.run(["schema", "check", path, "--against", file.path] + extra)
        }
        // A POJO field widened: Flink's IntSerializer snapshot refuses the LongSerializer.
        let widened = try check(shown.replacingOccurrences(of: "age: Integer", with: "age: Long"))
        #expect(widened.status == 1 && widened.out.contains("pojo (value): incompatible: field age: the savepoint's IntSerializer (Integer)")
                && widened.out.contains("schema migrate can rewrite it"), "\(widened.out)")
        // TTL switched off: migrated by 2.x, refused by 1.x.
        let ttlOff = shown.replacingOccurrences(of: "\"TTL<String>\"", with: "\"String\"")
        let two = try check(ttlOff)
        #expect(two.status == 0 && two.out.contains("ttlValue (value): compatible after migration"), "\(two.out)")
        let one = try check(ttlOff, ["--flink-version", "1.20.5"])
        #expect(one.status == 1 && one.out.contains("ttlValue (value): incompatible"), "\(one.out)")
        // JSON report: the refused state, Flink's words.
        let json = try check(shown.replacingOccurrences(of: "age: Integer", with: "age: Long"), ["--json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect(doc["restores"] as? Bool == false && doc["flinkVersion"] as? String == "2.x")
        // A target that does not parse: its line and column, exit 2.
        let broken = try check(shown.replacingOccurrences(of: "age: Integer", with: "age Integer"))
        #expect(broken.status == 2 && broken.err.contains("edited.json, line ") && broken.err.contains("expected ':'"),
                "\(broken.err)")
        let missing = try SavepointBinary.run(["schema", "check", path, "--against", dir.appendingPathComponent("none.json").path])
        #expect(missing.status == 2 && missing.err.contains("none.json: does not exist"), "\(missing.err)")
    }

    @Test(arguments: [["schema"], ["schema", "show"], ["schema", "check"]])
    func helpFitsEightyColumns(_ command: [String]) throws {
        let r = try SavepointBinary.run(command + ["--help"], environment: ["COLUMNS": "80"])
        #expect(r.status == 0)
        #expect(r.out.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(r.out)")
        #expect(r.out.contains("Examples:\n  savepoint schema "))
    }
}
