import Foundation
import SavepointKit
import Testing
import SavepointTestSupport

/// The dump's direct path (canonical entries, and the visible entries of RocksDB native savepoints,
/// rendered straight from their bytes) must print exactly what decoding each entry and printing it
/// prints: byte for byte, on every real fixture, and on damaged copies (the same lines before the
/// same error).
@Suite struct FastDumpTests {
    static let fixtures = Fixture.all

    /// The collected output and, when the dump failed, its error text.
    static func dump(_ path: String, direct: Bool, filter: DumpFilter = DumpFilter()) -> (bytes: [UInt8], error: String?) {
        let output = JSONLinesOutput.inMemory()
        var failure: String?
        do {
            var dumper = Dumper(savepoint: try Savepoint.open(path), filter: filter)
            dumper.directJSON = direct
            try dumper.run(into: output)
        } catch {
            failure = "\(error)"
        }
        try? output.flush()
        return (output.collected, failure)
    }

    @Test func fixturesArePresent() {
        #expect(Self.fixtures.count >= 5, "expected committed real-Flink fixtures under \(Fixture.root.path)")
    }

    @Test(arguments: fixtures)
    func directDumpEqualsDecodedDump(_ fixture: Fixture) throws {
        let path = try #require(fixture.readablePath, "no savepoint or checkpoint in \(fixture)")
        let direct = Self.dump(path, direct: true)
        let decoded = Self.dump(path, direct: false)
        #expect(direct.error == nil, "\(fixture): \(direct.error ?? "")")
        #expect(decoded.error == nil, "\(fixture): \(decoded.error ?? "")")
        #expect(!direct.bytes.isEmpty, "\(fixture): empty dump")
        #expect(direct.bytes == decoded.bytes, "\(fixture): \(Self.firstDifference(direct.bytes, decoded.bytes))")
    }

    /// State and limit filters keep working on the direct path, with the same lines.
    @Test(arguments: fixtures)
    func filtersGiveTheSameLines(_ fixture: Fixture) throws {
        let path = try #require(fixture.readablePath)
        let all = Self.dump(path, direct: false).bytes.split(separator: 0x0A)
        // A keyed state's name where there is one (the direct path renders keyed entries only).
        let line = try #require(all.first { String(decoding: $0, as: UTF8.self).contains(#""key":"#) } ?? all.first,
                                "\(fixture): empty dump")
        let state = try #require(Self.stateName(of: line), "\(fixture): no state in \(String(decoding: line, as: UTF8.self))")
        var byState = DumpFilter()
        byState.stateNames = [state]
        let selected = Self.dump(path, direct: true, filter: byState).bytes
        #expect(selected == Self.dump(path, direct: false, filter: byState).bytes)
        let selectedLines = selected.split(separator: 0x0A)
        #expect(!selectedLines.isEmpty)
        #expect(selectedLines.allSatisfy { Self.stateName(of: $0) == state }, "\(fixture): lines of other states")
        var limited = DumpFilter()
        limited.limit = 3
        let three = Self.dump(path, direct: true, filter: limited)
        #expect(three.bytes == Self.dump(path, direct: false, filter: limited).bytes)
        #expect(three.bytes.split(separator: 0x0A).count == min(3, all.count))
    }

    static func stateName(of line: ArraySlice<UInt8>) -> String? {
        guard case let .object(fields)? = JSONValue.parse(Array(line)), case let .string(state)? = fields["state"] else { return nil }
        return state
    }

    /// Damaged state files: the direct path falls back to decoding wherever its renderer fails, so
    /// both paths print the same lines and stop with the same error.
    @Test(arguments: fixtures.filter { !$0.isLSM && ["filesystem", "filesystem-compressed", "rocksdb-canonical"].contains($0.form) }.prefix(6))
    func damagedStateFilesGiveTheSameLinesAndError(_ fixture: Fixture) throws {
        try Self.compareDamaged(fixture, flipsPerFile: 24)
    }

    /// The same for LSM instances: damaged tables, MANIFESTs and meta-data streams stop both paths
    /// (merge, key-group filter, rendering or decoding) at the same line with the same error.
    @Test(arguments: fixtures.filter { $0.isLSM && $0.form.hasPrefix("rocksdb-native") }.prefix(6))
    func damagedLSMFilesGiveTheSameLinesAndError(_ fixture: Fixture) throws {
        try Self.compareDamaged(fixture, flipsPerFile: 8)
    }

    /// Flips bytes of every state file, one at a time, and dumps both ways.
    static func compareDamaged(_ fixture: Fixture, flipsPerFile: Int) throws {
        let source = URL(fileURLWithPath: try #require(fixture.readablePath))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sp-fastdump-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: source, to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let stateFiles = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0 != "_metadata" }
        var seed: UInt64 = 0x5EED_F00D
        for name in stateFiles {
            let url = dir.appendingPathComponent(name)
            let original = try Data(contentsOf: url)
            guard original.count > 64 else { continue }
            for _ in 0..<flipsPerFile {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                var damaged = original
                let at = 32 + Int((seed >> 33) % UInt64(original.count - 32))
                damaged[at] ^= UInt8(truncatingIfNeeded: seed >> 17) | 1
                try damaged.write(to: url)
                let direct = Self.dump(dir.path, direct: true)
                let decoded = Self.dump(dir.path, direct: false)
                #expect(direct.error == decoded.error, "\(fixture) \(name) byte \(at)")
                #expect(direct.bytes == decoded.bytes, "\(fixture) \(name) byte \(at): \(Self.firstDifference(direct.bytes, decoded.bytes))")
            }
            try original.write(to: url)
        }
    }

    static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
        let la = a.split(separator: 0x0A, omittingEmptySubsequences: false)
        let lb = b.split(separator: 0x0A, omittingEmptySubsequences: false)
        for (x, y) in zip(la, lb) where x != y {
            return "direct \(String(decoding: x, as: UTF8.self)) vs decoded \(String(decoding: y, as: UTF8.self))"
        }
        return "\(la.count) vs \(lb.count) lines"
    }
}
