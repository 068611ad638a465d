import Foundation
import LSMFormat
import SavepointKit
import SavepointMetadata
import Testing
import SavepointTestSupport

/// Deep validation checks each SST table of a RocksDB instance on its own
/// (`FlinkRocksDBState.forEachRawEntry(ofTable:inFamily:into:)`), without merging a column family's
/// tables: the walk must cover every visible entry (and the shadowed ones), and damage to one
/// table must still be found and named.
@Suite struct LSMTableChecksTests {
    /// Over every native RocksDB fixture (some have column families of several tables, with keys
    /// overwritten or deleted across them).
    @Test func theTablesHoldEveryVisibleEntry() throws {
        var visibleTotal = 0, tableTotal = 0, familiesOfSeveralTables = 0
        for fixture in Fixture.all where fixture.form.hasPrefix("rocksdb") && fixture.form.contains("native") {
          let savepoint = try Savepoint.open(try #require(fixture.readablePath))
          for op in savepoint.metadata.operatorStates {
            for entry in op.subtaskStates {
                guard case let .incrementalRemote(h)? = entry.state?.managedKeyedState else { continue }
                let instance = try savepoint.openLSMState(h, of: op)
                for (familyIndex, family) in instance.columnFamilies.enumerated() {
                    guard let stateIndex = family.stateIndex else { continue }
                    if family.tables.count > 1 { familiesOfSeveralTables += 1 }
                    var visible = Set<[UInt8]>(), inTables = Set<[UInt8]>()
                    try instance.forEachRawEntry(stateFilter: { $0 == stateIndex }) { visible.insert(Array($0.key)) }
                    for table in family.tables.indices {
                        var keys = Keys()
                        try instance.forEachRawEntry(ofTable: table, inFamily: familyIndex, into: &keys)
                        #expect(keys.entries.allSatisfy { $0.stateIndex == stateIndex && $0.familyIndex == familyIndex })
                        inTables.formUnion(keys.entries.map(\.key))
                        tableTotal += keys.entries.count
                    }
                    #expect(visible.isSubset(of: inTables), "\(family.name): \(visible.subtracting(inTables).count) visible keys in no table's walk")
                    visibleTotal += visible.count
                }
            }
          }
        }
        #expect(visibleTotal > 100)
        #expect(tableTotal >= visibleTotal)
        #expect(familiesOfSeveralTables > 0, "the fixture has no column family of several tables: the merge is not bypassed")
    }

    /// Collects what the walk of a table hands over.
    struct Keys: RawEntryVisitor {
        var entries: [(key: [UInt8], stateIndex: Int, familyIndex: Int)] = []
        mutating func visit(_ e: FlinkRocksDBState.RawEntry) {
            entries.append((Array(e.key), e.stateIndex, e.familyIndex))
        }
    }

    /// Block-based tables end with this magic number (little-endian), see table/format.cc in facebook/rocksdb.
    static let tableMagic: [UInt8] = [0xF7, 0xCF, 0xF4, 0x85, 0xB7, 0x41, 0xE2, 0x88]

    /// The SST tables stored as files of a savepoint directory (small ones are inlined in `_metadata`).
    static func tables(in dir: URL) throws -> [(name: String, data: Data)] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().compactMap { name in
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            return data.count > 64 && Array(data.suffix(8)) == tableMagic ? (name, data) : nil
        }
    }

    /// A copy of the first native fixture with SST files, its largest SST damaged by `damage`.
    static func withDamagedTable(_ damage: (inout Data) -> Void, check: (URL, String) throws -> Void) throws {
        let fixture = try #require(Fixture.all.first { f in
            f.form.contains("rocksdb-native") && (try? tables(in: URL(fileURLWithPath: f.savepointPath)).isEmpty) == false
        })
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sp-validate-sst-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: fixture.savepointPath), to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        var (name, data) = try #require(try tables(in: dir).max { $0.data.count < $1.data.count })
        damage(&data)
        try data.write(to: dir.appendingPathComponent(name))
        try check(dir, name)
    }

    @Test func aDamagedDataBlockIsFound() throws {
        try Self.withDamagedTable({ $0[8] ^= 0x5A }) { dir, _ in
            let report = try Validator.validate(dir.path, deep: true)
            #expect(!report.valid)
            let finding = try #require(report.findings.first { $0.code == .undecodableEntry }, "\(report.findings)")
            #expect(finding.message.contains("checksum"), "\(finding.message)")
            #expect(finding.message.contains(".sst"), "the table is named: \(finding.message)")
        }
    }

    @Test func aTruncatedTableIsFound() throws {
        try Self.withDamagedTable({ $0 = $0.prefix($0.count / 2) }) { dir, _ in
            let report = try Validator.validate(dir.path, deep: true)
            #expect(!report.valid && report.errors > 0, "\(report.findings)")
        }
    }
}
