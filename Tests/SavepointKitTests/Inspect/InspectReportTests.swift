import Foundation
import SavepointKit
import SavepointTestSupport
import Testing

/// `inspect` against what the fixtures' generator recorded (fixture.json: backend, snapshot format)
/// and against the dump: Flink's words for what wrote each savepoint, and `--deep` counts.
@Suite struct InspectReportTests {
    struct Recorded: Decodable { var backend: String; var snapshotFormat: String; var flinkVersion: String; var form: String }

    static func recorded(_ fixture: Fixture) throws -> Recorded {
        try JSONDecoder().decode(Recorded.self, from: Data(contentsOf: fixture.directory.appendingPathComponent("fixture.json")))
    }

    static let savepoints = Fixture.all.filter { FileManager.default.fileExists(atPath: $0.savepointPath + "/_metadata") }

    @Test(arguments: savepoints)
    func originInFlinksWords(_ fixture: Fixture) throws {
        let recorded = try Self.recorded(fixture)
        let origin = try InspectReport(try Savepoint.open(fixture.savepointPath)).origin
        #expect(origin.kind == "savepoint")
        #expect(origin.snapshotFormat == recorded.snapshotFormat.uppercased(), "\(origin)")
        #expect(origin.flinkVersion == (recorded.flinkVersion.hasPrefix("1.") ? "1.x" : "2.x"))
        #expect(origin.checkpointStorage == (fixture.form.contains("memory") ? "jobmanager" : "filesystem"), "\(origin)")
        // The backend is told wherever the bytes tell it; when told, it is the one that wrote it.
        if let backend = origin.stateBackend {
            #expect(backend == recorded.backend, "\(origin)")
        } else {
            #expect(origin.snapshotFormat == "CANONICAL", "only canonical state may leave the backend open: \(origin)")
        }
        if recorded.snapshotFormat == "native" || fixture.isLSM {
            #expect(origin.stateBackend == recorded.backend, "native state always tells its backend: \(origin)")
        }
        if recorded.flinkVersion.hasPrefix("1."), origin.stateBackend == "rocksdb" {
            #expect(origin.legacyStateBackend == "RocksDBStateBackend")
        }
    }

    /// `--deep`: per keyed state the entries a dump prints, and for the LSM form the live entries
    /// of each column family (after tombstones and overwrites) equal to them.
    @Test(arguments: Fixture.all.filter { $0.directory.path.contains("/basic/") })
    func deepCountsWhatADumpPrints(_ fixture: Fixture) throws {
        let path = try #require(fixture.readablePath)
        let report = try InspectReport(try Savepoint.open(path), deep: true)
        let output = JSONLinesOutput.inMemory()
        try Dumper(savepoint: try Savepoint.open(path), filter: DumpFilter()).run(into: output)
        try output.flush()
        var lines: [String: Int64] = [:]
        for line in output.collected.split(separator: 0x0A) {
            guard case let .object(f)? = JSONValue.parse(Array(line)), f["subtask"] == nil,
                  case let .string(op)? = f["operator"], case let .string(state)? = f["state"] else { continue }
            lines["\(op)/\(state)", default: 0] += 1
        }
        var counted = 0
        for op in report.operators where op.keyType != nil {
            let name = op.uid ?? op.operatorId
            for state in op.states where !state.kind.hasPrefix("operator") && state.kind != "broadcast" {
                #expect(state.entries == lines["\(name)/\(state.name)", default: 0], "\(name)/\(state.name)")
                #expect((state.size ?? 0) > 0 || state.entries == 0)
                counted += 1
            }
            for cf in op.columnFamilies ?? [] {
                let live = try #require(cf.liveEntries, "\(cf.name)")
                #expect(live <= cf.rawEntries, "\(cf.name)")
                if let state = cf.state { #expect(live == lines["\(name)/\(state)", default: 0], "\(cf.name)") }
            }
        }
        #expect(counted > 0)
    }
}
