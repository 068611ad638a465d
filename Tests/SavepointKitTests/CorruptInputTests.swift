import Bytes
import Foundation
import SavepointKit
import Testing
import SavepointTestSupport

/// Cut and flipped bytes in `_metadata` and state files: every case ends in a clear error (or, for
/// a flip inside a value, in different values), never in a crash.
@Suite struct CorruptInputTests {
    static let cases = Fixture.all.filter { ["filesystem", "filesystem-compressed", "memory", "hashmap-native"].contains($0.form) }
        .filter { $0.directory.path.contains("2.3.0") }

    /// Runs open + dump; returns nil on success, else the error text.
    static func readAll(_ path: String) -> String? {
        do {
            let sp = try Savepoint.open(path)
            let out = JSONLinesOutput.inMemory()
            try Dumper(savepoint: sp, filter: DumpFilter()).run(into: out)
            _ = try InspectReport(sp)
            return nil
        } catch let e as SavepointError {
            return e.description
        } catch let e as FormatError {
            return e.description
        } catch {
            return "unexpected error type: \(error)"
        }
    }

    static func copy(_ fixture: Fixture) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sp-corrupt-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: fixture.savepointPath), to: dir)
        return dir
    }

    @Test(arguments: cases)
    func truncatedMetadataIsAClearError(_ fixture: Fixture) throws {
        let dir = try Self.copy(fixture)
        defer { try? FileManager.default.removeItem(at: dir) }
        let metadata = dir.appendingPathComponent("_metadata")
        let original = try Data(contentsOf: metadata)
        // Every cut point in the first 2 KiB, then every 97th byte.
        let cuts = Array(0..<min(original.count, 2048)) + Array(stride(from: 2048, to: original.count, by: 97))
        for cut in cuts {
            try original.prefix(cut).write(to: metadata)
            let error = Self.readAll(dir.path)
            #expect(error != nil, "\(fixture): _metadata cut at \(cut) was accepted")
            #expect(error.map { $0.contains("_metadata") } ?? true, "\(fixture): error does not name the file: \(error ?? "")")
            #expect(!(error ?? "").contains("unexpected error type"), "\(error ?? "")")
        }
    }

    @Test(arguments: cases)
    func flippedBytesNeverCrash(_ fixture: Fixture) throws {
        let dir = try Self.copy(fixture)
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        var rng = SplitMix64(seed: 0x5EED)
        for name in files {
            let url = dir.appendingPathComponent(name)
            let original = try Data(contentsOf: url)
            guard !original.isEmpty else { continue }
            for _ in 0..<150 {
                var damaged = original
                let at = Int(rng.next() % UInt64(original.count))
                damaged[at] ^= UInt8(1 << (rng.next() % 8))
                try damaged.write(to: url)
                let error = Self.readAll(dir.path)
                #expect(!(error ?? "").contains("unexpected error type"), "\(fixture) \(name)@\(at): \(error ?? "")")
            }
            try original.write(to: url)
        }
    }

    @Test(arguments: cases.filter { $0.form.hasPrefix("filesystem") })
    func truncatedStateFileNamesFileAndOffset(_ fixture: Fixture) throws {
        let dir = try Self.copy(fixture)
        defer { try? FileManager.default.removeItem(at: dir) }
        let stateFiles = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0 != "_metadata" }
        for name in stateFiles {
            let url = dir.appendingPathComponent(name)
            let original = try Data(contentsOf: url)
            try original.prefix(original.count / 2).write(to: url)
            let error = try #require(Self.readAll(dir.path), "\(fixture): half of \(name) was accepted")
            #expect(error.contains(name), "error does not name \(name): \(error)")
            #expect(error.contains("byte"), "error has no offset: \(error)")
            try original.write(to: url)
            try FileManager.default.removeItem(at: url)
            let missing = try #require(Self.readAll(dir.path))
            #expect(missing.contains(name), "missing file not named: \(missing)")
            try original.write(to: url)
        }
    }
}

/// A small deterministic generator, so failures reproduce.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
