import Foundation
import Testing
import SavepointTestSupport

/// `savepoint convert` as a user runs it: exit codes, and a SIGTERM mid-conversion leaves no OUT.
@Suite struct ConvertCommandLineTests {
    static let sample = Fixture.all.first { $0.form == "rocksdb-native" && $0.directory.path.contains("/2.3.0/basic/") }

    @Test func convertsAndRefusesAnExistingOutput() throws {
        let fixture = try #require(Self.sample)
        let dir = try Scratch.directory("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let first = try SavepointBinary.run(["convert", fixture.savepointPath, out, "--to", "filesystem", "--json"])
        #expect(first.status == 0, "\(first.err)")
        let json = try JSONSerialization.jsonObject(with: Data(first.out.utf8)) as? [String: Any]
        #expect(json?["verified"] as? Bool == true)
        #expect((json?["keyedEntries"] as? Int ?? 0) > 0)
        let again = try SavepointBinary.run(["convert", fixture.savepointPath, out, "--to", "memory"])
        #expect(again.status == 2)
        #expect(again.err.contains("--force"))
        let forced = try SavepointBinary.run(["convert", fixture.savepointPath, out, "--to", "memory", "--force"])
        #expect(forced.status == 0, "\(forced.err)")
        let bad = try SavepointBinary.run(["convert", fixture.savepointPath, out + "2", "--to", "tape"])
        #expect(bad.status == 2)
    }

    /// --force replaces a savepoint or an empty directory, never anything else.
    @Test func forceReplacesOnlyASavepointOrAnEmptyDirectory() throws {
        let fixture = try #require(Self.sample)
        let dir = try Scratch.directory("cli-force")
        defer { try? FileManager.default.removeItem(at: dir) }
        let notes = dir.appendingPathComponent("notes")
        try FileManager.default.createDirectory(at: notes, withIntermediateDirectories: false)
        try Data("mine".utf8).write(to: notes.appendingPathComponent("notes.txt"))
        let refused = try SavepointBinary.run(["convert", fixture.savepointPath, notes.path, "--to", "memory", "--force"])
        #expect(refused.status == 2 && refused.err.contains("neither a savepoint"), "\(refused.err)")
        #expect(FileManager.default.fileExists(atPath: notes.appendingPathComponent("notes.txt").path))
        #expect(Scratch.leftovers(in: dir).isEmpty)
    }

    @Test func optionsOfOtherFormsAndBadOutputsAreRefused() throws {
        let fixture = try #require(Self.sample)
        let dir = try Scratch.directory("cli-options")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let cases: [([String], String)] = [
            (["--to", "memory", "--compression", "zstd"], "--compression"),
            (["--to", "filesystem", "--compression", "lz4"], "--compression"),
            (["--to", "lsm", "--snapshot-compression"], "--snapshot-compression"),
            (["--to", "memory", "--inline-threshold", "10"], "--inline-threshold"),
        ]
        for (args, named) in cases {
            let r = try SavepointBinary.run(["convert", fixture.savepointPath, out] + args)
            #expect(r.status == 2 && r.err.contains(named), "\(args): \(r.err)")
        }
        let empty = try SavepointBinary.run(["convert", fixture.savepointPath, "", "--to", "memory"])
        #expect(empty.status == 2 && empty.err.contains("output path is empty"), "\(empty.err)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// `--to` takes Flink's words: rocksdb and native are the LSM form, canonical the filesystem form,
    /// jobmanager the memory form.
    @Test(arguments: [("rocksdb", "NATIVE rocksdb savepoint"), ("native", "NATIVE rocksdb savepoint"),
                      ("canonical", "CANONICAL"), ("jobmanager", "jobmanager storage")])
    func targetsInFlinksWords(_ target: String, _ words: String) throws {
        let fixture = try #require(Self.sample)
        let dir = try Scratch.directory("cli-words")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try SavepointBinary.run(["convert", fixture.savepointPath, dir.appendingPathComponent("out").path,
                                         "--to", target, "--json"])
        #expect(r.status == 0, "\(r.err)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let origin = try #require(doc["outputOrigin"] as? [String: Any])
        let short = [origin["snapshotFormat"], origin["stateBackend"], origin["kind"]].compactMap { $0 as? String }.joined(separator: " ")
            + ", \(origin["checkpointStorage"] as? String ?? "") storage"
        #expect(short.contains(words), "\(short)")
        #expect(doc["path"] as? String == fixture.savepointPath)
        let seconds = try #require(doc["seconds"] as? Double)
        #expect((seconds * 1000).rounded() == seconds * 1000, "durations are rounded to the millisecond")
    }

    /// Real Flink 2.3.0 restores timers written as column families only with RocksDB timers (checked with
    /// restore-check --timers heap: all 300 timers of this fixture are gone), so converting timers to the LSM
    /// form warns; the canonical forms restore them on either timer service and do not.
    @Test func timersToTheLSMFormWarnAboutHeapTimers() throws {
        // A canonical input: an LSM input's timers are column families already, and stay so silently.
        let fixture = try #require(Fixture.all.first { $0.description == "2.3.0/basic/filesystem" })
        let dir = try Scratch.directory("timers")
        defer { try? FileManager.default.removeItem(at: dir) }
        let lsm = try SavepointBinary.run(["convert", fixture.savepointPath, dir.path + "/lsm", "--to", "lsm", "--json"])
        #expect(lsm.status == 0, "\(lsm.err)")
        #expect(lsm.err.contains("warning:") && lsm.err.contains("timer-service.factory"), "\(lsm.err)")
        let report = try JSONSerialization.jsonObject(with: Data(lsm.out.utf8)) as? [String: Any]
        #expect((report?["warnings"] as? [String])?.count == 1)
        let canonical = try SavepointBinary.run(["convert", fixture.savepointPath, dir.path + "/fs", "--to", "filesystem"])
        #expect(canonical.status == 0 && !canonical.err.contains("timer"), "\(canonical.err)")
    }

    @Test func progressShowsOnATerminalOnly() throws {
        let fixture = try #require(Self.sample)
        let binary = try #require(SavepointBinary.url)
        let dir = try Scratch.directory("progress")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (status, text) = try SavepointBinary.runOnTerminal(
            "'\(binary.path)' convert '\(fixture.savepointPath)' '\(dir.path)/tty' --to filesystem > /dev/null")
        #expect(status == 0, "\(text)")
        #expect(text.contains("convert: ") && text.contains("%"), "no progress on a terminal: \(text)")
        let piped = try SavepointBinary.run(["convert", fixture.savepointPath, dir.path + "/piped", "--to", "filesystem"])
        #expect(piped.status == 0)
        #expect(!piped.err.contains("convert: "), "progress written although stderr is no terminal")
    }

    /// The hidden test option --test-pause-after-subtask makes each subtask take seconds; SIGTERM arrives
    /// while the temporary directory is being written.
    @Test func sigtermMidConversionLeavesNoOutput() throws {
        let fixture = try #require(Self.sample)
        let binary = try #require(SavepointBinary.url)
        let dir = try Scratch.directory("sigterm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let p = Process()
        p.executableURL = binary
        // Threshold 0: every table is a file of its own, so the temporary directory fills up at once
        // (the sample's tables are small enough to be inlined into _metadata otherwise).
        p.arguments = ["convert", fixture.savepointPath, out.path, "--to", "lsm", "--inline-threshold", "0",
                       "--test-pause-after-subtask", "3"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Wait until the conversion has started writing (its temporary directory holds files).
        let deadline = Date().addingTimeInterval(20)
        var started = false
        while Date() < deadline, !started {
            Thread.sleep(forTimeInterval: 0.05)
            started = Scratch.leftovers(in: dir).contains { name in
                !((try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent(name).path)) ?? []).isEmpty
            }
        }
        #expect(started, "the conversion never started writing")
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(p.terminationStatus == 128 + SIGTERM)
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(Scratch.leftovers(in: dir).isEmpty)
    }
}
