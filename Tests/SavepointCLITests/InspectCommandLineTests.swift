import Foundation
import SavepointTestSupport
import Testing

/// `savepoint inspect` as a user reads it: Flink's words, the JSON style, paths as Flink prints
/// them, and lines that fit the terminal.
@Suite struct InspectCommandLineTests {
    static func fixture(_ version: String, _ shape: String, _ form: String) -> Fixture? {
        Fixture.all.first { $0.form == form && $0.directory.path.contains("/\(version)/\(shape)/") }
    }

    static func json(_ out: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
    }

    @Test func saysWhatWroteItInFlinksWords() throws {
        let cases: [(Fixture?, String)] = [
            (Self.fixture("2.3.0", "basic", "hashmap-native"), "savepoint, NATIVE, state backend hashmap, checkpoint storage filesystem"),
            (Self.fixture("1.20.5", "basic", "rocksdb-native"),
             "savepoint, NATIVE, state backend rocksdb (RocksDBStateBackend), checkpoint storage filesystem"),
            (Self.fixture("2.3.0", "basic", "forst-native"), "state backend forst"),
            (Self.fixture("2.3.0", "basic", "memory"), "checkpoint storage jobmanager"),
        ]
        for (fixture, words) in cases {
            let r = try SavepointBinary.run(["inspect", try #require(fixture).savepointPath])
            #expect(r.status == 0 && r.out.contains(words), "\(words): \(r.out.prefix(300))")
        }
        let doc = try Self.json(try SavepointBinary.run(["inspect", try #require(Self.fixture("2.3.0", "basic", "hashmap-native")).savepointPath, "--json"]).out)
        let origin = try #require(doc["origin"] as? [String: Any])
        #expect(origin["snapshotFormat"] as? String == "NATIVE" && origin["stateBackend"] as? String == "hashmap")
        // convert says it too: a heap native savepoint becomes a canonical one.
        let dir = try Scratch.directory("inspect-words")
        defer { try? FileManager.default.removeItem(at: dir) }
        let converted = try SavepointBinary.run(["convert", try #require(Self.fixture("2.3.0", "basic", "hashmap-native")).savepointPath,
                                                 dir.appendingPathComponent("out").path, "--to", "canonical"])
        #expect(converted.status == 0 && converted.out.contains("(NATIVE hashmap savepoint, filesystem storage) -> ")
            && converted.out.contains("(CANONICAL savepoint, filesystem storage)"), "\(converted.out)")
    }

    @Test func jsonHasOneStyle() throws {
        let fixture = try #require(Self.fixture("2.3.0", "basic", "filesystem"))
        let r = try SavepointBinary.run(["inspect", fixture.savepointPath, "--json"])
        #expect(r.status == 0)
        #expect(!r.out.contains("\\/"), "escaped slashes")
        #expect(!r.out.contains("[\n\n"), "empty arrays must be []")
        let doc = try Self.json(r.out)
        #expect(doc["path"] as? String == fixture.savepointPath)
        let op = try #require((doc["operators"] as? [[String: Any]])?.first { $0["uid"] as? String == "counter" })
        let range = try #require((op["subtasks"] as? [[String: Any]])?.first?["keyGroups"] as? [String: Any])
        #expect(range["start"] as? Int == 0 && range["end"] as? Int == 63)
        let validate = try SavepointBinary.run(["validate", fixture.savepointPath, "--json"])
        #expect(try Self.json(validate.out)["path"] as? String == fixture.savepointPath)
        #expect(validate.out.contains("\"findings\": []"))
    }

    @Test func takesFileURIsAndJobDirectories() throws {
        let fixture = try #require(Self.fixture("2.3.0", "basic", "filesystem"))
        let absolute = URL(fileURLWithPath: fixture.savepointPath).standardizedFileURL.path
        for uri in ["file:" + absolute, "file://" + absolute] {
            let r = try SavepointBinary.run(["inspect", uri])
            #expect(r.status == 0 && r.out.contains("Operator counter"), "\(uri): \(r.err)")
        }
        let checkpoint = try #require(Self.fixture("1.20.5", "basic", "rocksdb-incremental-checkpoint"))
        let job = try #require(try FileManager.default.contentsOfDirectory(atPath: checkpoint.checkpointPath).contains { $0.hasPrefix("chk-") }
            ? checkpoint.checkpointPath : nil)
        let r = try SavepointBinary.run(["inspect", job])
        #expect(r.status == 2 && r.err.contains("newest retained checkpoint is \(job)/chk-"), "\(r.err)")
    }

    /// A missing file is reported, not fatal, in every form, with the path it was looked for at and
    /// the path `_metadata` records.
    @Test func missingFilesAreReportedInEveryForm() throws {
        let dir = try Scratch.directory("inspect-missing")
        defer { try? FileManager.default.removeItem(at: dir) }
        for form in ["filesystem", "rocksdb-canonical", "rocksdb-native"] {
            let fixture = try #require(Self.fixture("2.3.0", "basic", form))
            let copy = dir.appendingPathComponent(form)
            try FileManager.default.copyItem(atPath: fixture.savepointPath, toPath: copy.path)
            let victim = try #require(try FileManager.default.contentsOfDirectory(atPath: copy.path).first { $0 != "_metadata" })
            try FileManager.default.removeItem(at: copy.appendingPathComponent(victim))
            let r = try SavepointBinary.run(["inspect", copy.path])
            #expect(r.status == 0, "\(form): \(r.err)")
            #expect(r.out.contains("missing \(copy.path)/\(victim)"), "\(form): \(r.out)")
        }
        let checkpoint = try #require(Self.fixture("1.20.5", "basic", "rocksdb-incremental-checkpoint"))
        let chk = try #require(checkpoint.readablePath)
        let job = dir.appendingPathComponent("job")
        try FileManager.default.createDirectory(at: job, withIntermediateDirectories: true)
        let copied = job.appendingPathComponent(URL(fileURLWithPath: chk).lastPathComponent)
        try FileManager.default.copyItem(atPath: chk, toPath: copied.path)
        let r = try SavepointBinary.run(["inspect", copied.path])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("missing \(job.path)/shared/") && r.out.contains("(recorded as file:/"), "\(r.out.suffix(400))")
    }

    @Test func linesFitTheTerminal() throws {
        for fixture in [Self.fixture("2.3.0", "types", "filesystem"), Self.fixture("2.3.0", "basic", "rocksdb-native")] {
            let path = try #require(fixture).savepointPath
            let r = try SavepointBinary.run(["inspect", path, "--deep"], environment: ["COLUMNS": "72"])
            #expect(r.status == 0)
            let wide = r.out.split(separator: "\n").filter { $0.count > 72 }
            #expect(wide.isEmpty, "\(wide)")
            #expect(r.out.contains("raw entries") || !path.contains("native"))
        }
        let types = try SavepointBinary.run(["inspect", try #require(Self.fixture("2.3.0", "types", "filesystem")).savepointPath])
        #expect(types.out.contains("broadcast  Map<String, Long>"), "\(types.out)")
    }
}
