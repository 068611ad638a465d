import Foundation
import SavepointKit
import SavepointMetadata
import Testing
import SavepointTestSupport

/// The LSM (RocksDB native) form read like the others: same dump as the canonical savepoint of
/// the same job, a retained checkpoint readable from a copy, and `inspect`'s column families.
@Suite struct LSMDumpTests {
    /// RocksDB native savepoints (`rocksdb-native`, `rocksdb-heap-timers-native`, …).
    static let native = Fixture.all.filter { $0.form.hasPrefix("rocksdb") && $0.form.hasSuffix("-native") }
    static let checkpoints = Fixture.all.filter { $0.form.contains("incremental-checkpoint") }
    /// Native forms without a canonical sibling of their own: RocksDB block compression set through
    /// Flink's options (`rocksdb-native-lz4|zstd|none`), a savepoint rescaled 2 → 3
    /// (`rocksdb-native-rescaled`) and ForSt (`forst-native`, which has no canonical savepoint).
    static let variants = Fixture.all.filter { $0.form.hasPrefix("rocksdb-native-") || $0.form.hasPrefix("forst") }
    static let lsm = Fixture.all.filter(\.isLSM)

    static func dump(_ path: String) throws -> [UInt8] {
        let output = JSONLinesOutput.inMemory()
        try Dumper(savepoint: try Savepoint.open(path), filter: DumpFilter()).run(into: output)
        try output.flush()
        return output.collected
    }

    @Test func nativeAndCheckpointFixturesArePresent() {
        #expect(!Self.native.isEmpty, "expected rocksdb-native fixtures under \(Fixture.root.path)")
        #expect(!Self.checkpoints.isEmpty, "expected a retained incremental checkpoint fixture")
        let forms = Set(Self.variants.map(\.form))
        for form in ["rocksdb-native-lz4", "rocksdb-native-zstd", "rocksdb-native-none", "rocksdb-native-rescaled", "forst-native"] {
            #expect(forms.contains(form), "no \(form) fixture under \(Fixture.root.path)")
        }
    }

    /// The variants hold the same job state as the basic `rocksdb-canonical` savepoint of their
    /// version when `fixture.json` says the same shape, keys, max parallelism and timer store (the
    /// parallelism may differ: the rescaled one is read at 3 subtasks); then their dumps are equal.
    @Test(arguments: variants)
    func variantDumpEqualsCanonicalDumpOfTheSameJob(_ fixture: Fixture) throws {
        let canonical = Fixture(directory: fixture.directory.deletingLastPathComponent()
            .appendingPathComponent("rocksdb-canonical"))
        // `timers` absent means RocksDB timers (older fixture.json files do not write it).
        func job(_ f: Fixture) -> [String: JSONValue] {
            var fields = Self.fixtureJSON(f).filter { ["shape", "keys", "maxParallelism", "timers"].contains($0.key) }
            fields["timers"] = fields["timers"] ?? .string("rocksdb")
            return fields
        }
        guard let canonicalPath = canonical.readablePath, job(fixture) == job(canonical), job(fixture).count == 4
        else { return } // no canonical savepoint of the same job state beside it
        let nativeDump = try Self.dump(try #require(fixture.readablePath))
        #expect(!nativeDump.isEmpty)
        let diff = DumpComparison.difference(actual: nativeDump, expected: try Self.dump(canonicalPath))
        #expect(diff == nil, "\(fixture) vs \(canonical): \(diff ?? "")")
    }

    /// The fields of a fixture's `fixture.json` (empty when it has none).
    static func fixtureJSON(_ fixture: Fixture) -> [String: JSONValue] {
        let json = (try? Data(contentsOf: fixture.directory.appendingPathComponent("fixture.json"))).map { Array($0) } ?? []
        guard case let .object(fields)? = JSONValue.parse(json) else { return [:] }
        return fields
    }

    @Test(arguments: native)
    func nativeDumpEqualsCanonicalDump(_ fixture: Fixture) throws {
        let canonical = Fixture(directory: fixture.directory.deletingLastPathComponent()
            .appendingPathComponent(String(fixture.form.dropLast("native".count)) + "canonical"))
        guard let canonicalPath = canonical.readablePath else {
            Issue.record("no canonical savepoint beside \(fixture)")
            return
        }
        let nativePath = try #require(fixture.readablePath)
        let nativeDump = try Self.dump(nativePath)
        var canonicalDump = try Self.dump(canonicalPath)
        if Self.usesHeapTimers(fixture) {
            // With heap timers, Flink's native snapshot holds only the RocksDB column families: the
            // timers are in neither its meta-data stream nor raw keyed state (the oracle's restore
            // sees none either), while a canonical savepoint has them. Compare the states the
            // native savepoint declares.
            let declared = Set(try InspectReport(try Savepoint.open(nativePath)).operators.flatMap { $0.states.map(\.name) })
            #expect(!declared.contains { $0.hasPrefix("_timer_state/") })
            canonicalDump = Self.keeping(canonicalDump) { declared.contains($0) }
        }
        #expect(!nativeDump.isEmpty)
        let diff = DumpComparison.difference(actual: nativeDump, expected: canonicalDump)
        #expect(diff == nil, "\(fixture) vs \(canonical): \(diff ?? "")")
    }

    static func usesHeapTimers(_ fixture: Fixture) -> Bool {
        fixtureJSON(fixture)["timers"] == .string("heap")
    }

    /// The lines whose `state` passes `keep`.
    static func keeping(_ dump: [UInt8], _ keep: (String) -> Bool) -> [UInt8] {
        let kept = dump.split(separator: 0x0A).filter { line in
            guard case let .object(fields)? = JSONValue.parse(Array(line)), case let .string(state)? = fields["state"]
            else { return true }
            return keep(state)
        }
        return Array(kept.joined(separator: [0x0A])) + (kept.isEmpty ? [] : [0x0A])
    }

    /// Copies the whole job folder (`chk-N`, `shared/`, `taskowned/`) somewhere else and reads only
    /// the copy: every file the checkpoint references must resolve inside it.
    @Test(arguments: checkpoints)
    func copiedCheckpointDumpsTheSame(_ fixture: Fixture) throws {
        let original = try #require(fixture.readablePath)
        let chk = (original as NSString).lastPathComponent
        let jobFolder = (original as NSString).deletingLastPathComponent
        let temp = FileManager.default.temporaryDirectory
            .appendingPathComponent("lsm-copy-\(UUID().uuidString)").appendingPathComponent("0123abcd-job")
        try FileManager.default.createDirectory(at: temp.deletingLastPathComponent(), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temp.deletingLastPathComponent()) }
        try FileManager.default.copyItem(atPath: jobFolder, toPath: temp.path)
        let copy = temp.appendingPathComponent(chk).path

        let savepoint = try Savepoint.open(copy)
        for ref in savepoint.location.referencedStreams(of: savepoint.metadata) {
            if case let .success(.file(range)) = ref.resolved {
                #expect(range.path.hasPrefix(temp.path), "\(range.path) lies outside the copy")
            }
        }
        let fromCopy = try Self.dump(copy)
        let expected = Array(try Data(contentsOf: URL(fileURLWithPath: fixture.expectedPath)))
        #expect(DumpComparison.difference(actual: fromCopy, expected: expected) == nil)
        #expect(DumpComparison.difference(actual: fromCopy, expected: try Self.dump(original)) == nil)
    }

    @Test(arguments: lsm)
    func inspectReportsColumnFamilies(_ fixture: Fixture) throws {
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        let report = try InspectReport(savepoint)
        for op in savepoint.metadata.operatorStates {
            let handles = op.subtaskStates.compactMap(\.state?.managedKeyedState).compactMap { h -> IncrementalRemoteKeyedStateHandle? in
                if case let .incrementalRemote(i) = h { return i } else { return nil }
            }
            guard !handles.isEmpty else { continue }
            let entry = try #require(report.operators.first { $0.operatorId == op.operatorID.hex })
            #expect(entry.keyedLayout == "LSM")
            let families = try #require(entry.columnFamilies, "no column families for \(op.displayName)")
            // Every keyed state has its column family, and so does `default`.
            let stateNames = Set(entry.states.filter { !$0.kind.hasPrefix("operator") && $0.kind != "broadcast" }.map(\.name))
            #expect(stateNames.isSubset(of: Set(families.compactMap(\.state))))
            #expect(families.contains { $0.name == "default" && $0.state == nil })
            // Live tables are exactly the handle's `.sst` files.
            let sstFiles = handles.reduce(0) { $0 + ($1.sharedState + $1.privateState).filter { $0.localPath.hasSuffix(".sst") }.count }
            #expect(families.reduce(0) { $0 + $1.sstCount } == sstFiles)
            for cf in families where cf.sstCount > 0 {
                #expect(cf.totalSize > 0 && cf.rawEntries > 0 && !cf.compression.isEmpty && !cf.levels.isEmpty, "\(cf.name)")
            }
        }
    }
}
