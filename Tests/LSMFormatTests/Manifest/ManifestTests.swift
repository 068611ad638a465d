import Bytes
import Foundation
import Testing
@testable import LSMFormat

@Suite(.enabled(if: RocksDBTools.available, "ldb is not installed"))
struct ManifestAgainstLDBTests {
    /// A DB with column families added, written, dropped and compacted by `ldb`: our replay of
    /// CURRENT → MANIFEST must name exactly the SSTs in the directory, with their true sizes,
    /// key ranges and sequence ranges, in the column family their properties name.
    @Test func versionMatchesTheDirectory() throws {
        let dir = try RocksDBTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = "\(dir)/cfdb", ldb = RocksDBTools.ldb!
        for args in [["--create_if_missing", "put", "a", "1"], ["create_column_family", "count"],
                     ["create_column_family", "gone"], ["--column_family=count", "put", "k", "v"],
                     ["--column_family=count", "put", "k2", "v2"], ["--column_family=count", "compact"],
                     ["drop_column_family", "gone"], ["--column_family=count", "put", "k3", "v3"],
                     ["put", "b", "2"], ["compact"]] {
            try RocksDBTools.run(ldb, ["--db=\(db)"] + args)
        }
        let current = try CurrentFile.manifestName(try read("\(db)/CURRENT"))
        let version = try Manifest.read(try read("\(db)/\(current)"), name: current)
        #expect(version.orderedColumnFamilies.map(\.name) == ["default", "count"])
        #expect(version.comparator == "leveldb.BytewiseComparator")
        let live = version.orderedColumnFamilies.flatMap { family in family.files.map { (family, $0.file) } }
        let onDisk = try RocksDBTools.ssts(in: db).map { ($0 as NSString).lastPathComponent }
        #expect(live.map(\.1.fileName).sorted() == onDisk)
        var maxSequence: UInt64 = 0
        for (family, file) in live {
            let path = "\(db)/\(file.fileName)"
            let table = try BlockBasedTable(path: path)
            let entries = try table.entries()
            #expect(file.size == UInt64(table.source.size))
            #expect(table.properties.columnFamilyName == family.name)
            #expect(table.properties.columnFamilyID == UInt64(family.id))
            #expect(file.smallest == entries.first?.key)
            #expect(file.largest == entries.last?.key)
            #expect(file.smallestSequence == entries.map(\.key.sequence).min())
            #expect(file.largestSequence == entries.map(\.key.sequence).max())
            maxSequence = max(maxSequence, file.largestSequence)
        }
        #expect((version.lastSequence ?? 0) >= maxSequence)
        #expect((version.nextFileNumber ?? 0) > live.map(\.1.number).max() ?? 0)
        // Re-encoding every edit and replaying gives the same live files.
        let edits = try Manifest.edits(try read("\(db)/\(current)"))
        let rewritten = try Manifest.read(Manifest.write(edits))
        #expect(rewritten.orderedColumnFamilies.map { $0.files.map(\.file) }
                    == version.orderedColumnFamilies.map { $0.files.map(\.file) })
    }

    @Test func optionsFileOfLDB() throws {
        let dir = try RocksDBTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = "\(dir)/opts"
        try RocksDBTools.run(RocksDBTools.ldb!, ["--db=\(db)", "--create_if_missing", "put", "a", "1"])
        try RocksDBTools.run(RocksDBTools.ldb!, ["--db=\(db)", "create_column_family", "events"])
        let name = try FileManager.default.contentsOfDirectory(atPath: db).filter { $0.hasPrefix("OPTIONS-") }.sorted().last!
        let options = try OptionsFile(try read("\(db)/\(name)"), name: name)
        #expect(options.rocksDBVersion?.split(separator: ".").count == 3)
        #expect(options.columnFamilyNames == ["default", "events"])
        #expect(options.tableOptions("events")?["format_version"] == "5")
        #expect(options.columnFamilyOptions("events")?["comparator"] == "leveldb.BytewiseComparator")
        #expect(options.section("DBOptions")?["create_if_missing"] != nil)
    }

    func read(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
}

@Suite struct ManifestSyntheticTests {
    static func sampleFile(_ number: UInt64, _ key: String) -> FileMetaData {
        var f = FileMetaData(number: number, size: 6781,
                             smallest: InternalKey(userKey: Array(key.utf8), sequence: 29856, type: .value),
                             largest: InternalKey(userKey: Array((key + "z").utf8), sequence: 31398, type: .merge),
                             smallestSequence: 29856, largestSequence: 31398)
        f.epochNumber = 1
        f.fileCreationTime = 1_795_609_781
        f.tailSize = 1045
        f.uniqueID = Array(0..<16)
        return f
    }

    static func sampleEdits() -> [VersionEdit] {
        var e1 = VersionEdit(); e1.comparator = "leveldb.BytewiseComparator"; e1.persistUserDefinedTimestamps = true
        var e2 = VersionEdit(); e2.comparator = e1.comparator; e2.columnFamily = 1; e2.columnFamilyAdd = "count"
        e2.logNumber = 4; e2.nextFileNumber = 8; e2.lastSequence = 0
        var e3 = VersionEdit(); e3.columnFamily = 1; e3.nextFileNumber = 19; e3.lastSequence = 31398
        e3.newFiles = [(0, sampleFile(18, "k0"))]
        var e4 = VersionEdit(); e4.columnFamily = 2; e4.columnFamilyAdd = "events"
        var e5 = VersionEdit(); e5.columnFamily = 2; e5.columnFamilyDrop = true
        var e6 = VersionEdit(); e6.columnFamily = 1; e6.deletedFiles = [(0, 18)]
        e6.newFiles = [(6, sampleFile(21, "a")), (6, sampleFile(22, "m"))]
        return [e1, e2, e3, e4, e5, e6]
    }

    @Test func editsRoundTrip() throws {
        let edits = Self.sampleEdits()
        for edit in edits { #expect(try VersionEdit.decode(edit.encode()) == edit) }
        #expect(try Manifest.edits(Manifest.write(edits)) == edits)
    }

    @Test func replayAppliesAddsDropsAndFileChanges() throws {
        let version = try Manifest.read(Manifest.write(Self.sampleEdits()))
        #expect(version.orderedColumnFamilies.map(\.name) == ["default", "count"])
        let count = try #require(version.columnFamily(named: "count"))
        #expect(count.files.map(\.level) == [6, 6])
        #expect(count.files.map(\.file.number) == [21, 22])
        #expect(version.lastSequence == 31398)
        #expect(version.nextFileNumber == 19)
    }

    /// NewFile4 bytes as the doc shows them for a real record: tag 103 is `67`, CF 200 is `c8 01`.
    @Test func newFile4Encoding() throws {
        var edit = VersionEdit()
        edit.columnFamily = 1
        edit.newFiles = [(0, FileMetaData(number: 18, size: 6781,
                                          smallest: InternalKey(userKey: [0x61], sequence: 5, type: .value),
                                          largest: InternalKey(userKey: [0x62], sequence: 6, type: .value),
                                          smallestSequence: 5, largestSequence: 6))]
        let bytes = edit.encode()
        #expect(Array(bytes.prefix(5)) == [0x67, 0x00, 0x12, 0xFD, 0x34])  // tag, level 0, #18, 6781
        #expect(Array(bytes.suffix(4)) == [0x01, 0xC8, 0x01, 0x01])  // terminate, column family 1
    }

    /// Records larger than a 32 KiB block are split FIRST/MIDDLE/LAST and come back whole.
    @Test func fragmentedRecordsRoundTrip() throws {
        let records: [[UInt8]] = [[], Array(repeating: 7, count: 100), (0..<80_000).map { UInt8($0 % 251) },
                                  Array(repeating: 1, count: LogFormat.blockSize - 2 * LogFormat.headerSize - 100), [9]]
        var writer = LogWriter()
        for r in records { writer.add(r) }
        #expect(writer.bytes.count > 2 * LogFormat.blockSize)
        var reader = LogReader(writer.bytes)
        #expect(try reader.readAll() == records)
    }

    /// A file that ends inside a block trailer (the last 1–6 bytes of a block) simply ends.
    @Test func fileEndingInABlockTrailerEnds() throws {
        var writer = LogWriter()
        writer.add(Array(repeating: 3, count: LogFormat.blockSize - LogFormat.headerSize - 3))
        var reader = LogReader(writer.bytes + [0, 0])
        #expect(try reader.readAll().count == 1)
    }

    @Test func flippedBitIsAChecksumErrorAtTheRecord() throws {
        var writer = LogWriter()
        writer.add(Array(repeating: 1, count: 50))
        writer.add(Array(repeating: 2, count: 50))
        var bytes = writer.bytes
        bytes[57 + 7 + 20] ^= 0x04
        var reader = LogReader(bytes)
        #expect(try reader.next()?.count == 50)
        let error = #expect(throws: FormatError.self) { try reader.next() }
        #expect(error?.offset == 57)
        #expect(error?.message.contains("checksum") == true)
    }

    /// A cut inside a record is an error naming the file; a cut between records is a shorter,
    /// valid MANIFEST (as for RocksDB) once the counters have been seen.
    @Test func truncatedManifestsFailCleanly() throws {
        let edits = Self.sampleEdits()
        let bytes = Manifest.write(edits)
        let boundaries = Set((0...edits.count).map { Manifest.write(Array(edits.prefix($0))).count })
        for cut in 0..<bytes.count where !boundaries.contains(cut) {
            let error = #expect(throws: FormatError.self) { try Manifest.read(Array(bytes.prefix(cut)), name: "MANIFEST-000005") }
            #expect(error?.file == "MANIFEST-000005")
        }
        // The first two edits carry no log number or last sequence yet: RocksDB refuses that.
        #expect(throws: FormatError.self) { try Manifest.read(Manifest.write(Array(edits.prefix(1)))) }
    }

    @Test func currentFile() throws {
        #expect(try CurrentFile.manifestName(Array("MANIFEST-000005\n".utf8)) == "MANIFEST-000005")
        #expect(throws: FormatError.self) { try CurrentFile.manifestName(Array("MANIFEST-000005".utf8)) }
        #expect(throws: FormatError.self) { try CurrentFile.manifestName(Array("OPTIONS-1\n".utf8)) }
    }

    @Test func optionsSyntax() throws {
        let text = """
        # comment
        [Version]
          rocksdb_version=8.10.0
        [CFOptions "_timer_state/processing_user-timers"]
          merge_operator={id=StringAppendTESTOperator;delimiter=,;}
          compression_per_level=kSnappyCompression:kSnappyCompression
        """
        let options = try OptionsFile(Array(text.utf8))
        #expect(options.rocksDBVersion == "8.10.0")
        #expect(options.columnFamilyNames == ["_timer_state/processing_user-timers"])
        #expect(options.columnFamilyOptions("_timer_state/processing_user-timers")?["merge_operator"]
                    == "{id=StringAppendTESTOperator;delimiter=,;}")
        #expect(throws: FormatError.self) { try OptionsFile(Array("key=value\n".utf8)) }
        #expect(throws: FormatError.self) { try OptionsFile(Array("[Bad\n".utf8)) }
    }
}
