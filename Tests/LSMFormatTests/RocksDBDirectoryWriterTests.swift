import Bytes
import Foundation
import Testing
@testable import LSMFormat

/// A DB directory written from scratch (SSTs, MANIFEST, CURRENT, OPTIONS), opened by our reader
/// and by Debian's `ldb`.
@Suite struct RocksDBDirectoryWriterTests {
    struct Family {
        var id: UInt32
        var name: String
        var entries: [(key: InternalKey, value: [UInt8])]
    }

    /// Flink-like families: a value state, a list state of merge operands (newest first), timers
    /// with empty values, and an empty family.
    static func families() -> [Family] {
        var count: [(InternalKey, [UInt8])] = []
        var events: [(InternalKey, [UInt8])] = []
        var timers: [(InternalKey, [UInt8])] = []
        var seq: UInt64 = 100
        for i in 0..<600 {
            let key = [UInt8(i / 10)] + Array("key-\(String(format: "%04d", i))".utf8) + [0]
            count.append((InternalKey(userKey: key, sequence: seq, type: .value), Array(String(i).utf8)))
            for o in 0..<3 {
                events.append((InternalKey(userKey: key, sequence: seq + 10 - UInt64(o), type: .merge), Array("e\(i)-\(2 - o)".utf8)))
            }
            timers.append((InternalKey(userKey: [UInt8(i / 10), 0x80, 0, 0, 0, 0, 0, UInt8(i >> 8), UInt8(i & 0xFF)] + key, sequence: seq + 20, type: .value), []))
            seq += 30
        }
        return [Family(id: 1, name: "count", entries: count), Family(id: 2, name: "events", entries: events),
                Family(id: 3, name: "_timer_state/processing_user-timers", entries: timers),
                Family(id: 4, name: "_timer_state/event_user-timers", entries: [])]
    }

    /// Writes the families' tables (numbers from 10) and the DB files into `dir`.
    static func writeDB(_ dir: String, release: RocksDBRelease, compression: BlockCompression) throws -> [Family] {
        let families = Self.families()
        var layouts: [ColumnFamilyLayout] = []
        var number: UInt64 = 10
        for family in families {
            var layout = ColumnFamilyLayout(id: family.id, name: family.name)
            if !family.entries.isEmpty {
                let options = TableOptions(columnFamilyID: family.id, columnFamilyName: family.name, release: release,
                                           compression: compression)
                let sink = try FileTableSink(path: "\(dir)/\(String(format: "%06d", number)).sst")
                let builder = try TableBuilder(options: options, sink: sink)
                for (key, value) in family.entries { try builder.add(key, value: value) }
                let summary = try builder.finish()
                try sink.close()
                layout.files = [(0, try #require(summary.fileMetaData(number: number, release: release)))]
                number += 1
            }
            layouts.append(layout)
        }
        let writer = RocksDBDirectoryWriter(
            columnFamilies: layouts,
            tableOptions: TableOptions(columnFamilyID: 0, columnFamilyName: "", release: release, compression: compression))
        for (name, bytes) in try writer.files() {
            try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/\(name)"))
        }
        return families
    }

    @Test(arguments: RocksDBRelease.allCases)
    func ourReaderOpensTheWrittenDirectory(release: RocksDBRelease) throws {
        let dir = try RocksDBTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let families = try Self.writeDB(dir, release: release, compression: .snappy)
        let current = try CurrentFile.manifestName([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/CURRENT"))))
        let manifest = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(current)")))
        let version = try Manifest.read(manifest)
        #expect(version.orderedColumnFamilies.map(\.name) == ["default"] + families.map(\.name))
        #expect(version.comparator == "leveldb.BytewiseComparator")
        let maxSeq = families.flatMap { $0.entries.map(\.key.sequence) }.max()
        #expect(version.lastSequence == maxSeq)
        for family in families {
            let files = try #require(version.columnFamily(named: family.name)).files
            #expect(files.count == (family.entries.isEmpty ? 0 : 1))
            for (level, file) in files {
                #expect(level == 0)
                #expect(file.number < version.nextFileNumber ?? 0)
                #expect(file.smallest == family.entries.first?.key && file.largest == family.entries.last?.key)
                #expect((file.epochNumber != nil) == (release == .frocksdb8_10))
                let path = "\(dir)/\(file.fileName)"
                #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64 == file.size)
                let entries = try BlockBasedTable(path: path).entries()
                #expect(entries.map(\.key) == family.entries.map(\.key))
            }
        }
        #expect(current == "MANIFEST-000013")
        let options = try OptionsFile([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/OPTIONS-000014"))))
        #expect(version.nextFileNumber == 15)
        #expect(options.rocksDBVersion == release.version)
        #expect(options.columnFamilyNames == ["default"] + families.map(\.name))
        #expect(options.tableOptions("events")?["checksum"] == (release == .frocksdb8_10 ? "kXXH3" : "kCRC32c"))
    }

    @Test(.enabled(if: RocksDBTools.ldb != nil, "ldb is not installed"),
          arguments: RocksDBRelease.allCases, [BlockCompression.none, .snappy, .lz4, .zstd])
    func ldbListsAndScansTheWrittenDB(release: RocksDBRelease, compression: BlockCompression) throws {
        let dir = try RocksDBTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let families = try Self.writeDB(dir, release: release, compression: compression)
        let listed = try RocksDBTools.runCapturingErrors(RocksDBTools.ldb!, ["--db=\(dir)", "list_column_families"])
        #expect(listed.contains("{default, count, events, _timer_state/processing_user-timers, _timer_state/event_user-timers}"),
                "\(listed)")
        for family in families {
            // --try_load_options builds the merge operator from our OPTIONS file.
            let scan = try RocksDBTools.runCapturingErrors(
                RocksDBTools.ldb!, ["--db=\(dir)", "--try_load_options", "--column_family=\(family.name)", "scan", "--hex"])
            #expect(scan.split(separator: "\n").map(String.init) == Self.expectedScan(family), "\(family.name): \(scan.prefix(500))")
        }
    }

    /// What a read returns: per user key, the Put value, or the merge operands oldest first joined by ','.
    static func expectedScan(_ family: Family) -> [String] {
        var out: [(key: [UInt8], value: [UInt8])] = []
        for (key, value) in family.entries {
            if let last = out.last, last.key == key.userKey {
                // Entries of one key come newest first: an older operand goes in front.
                out[out.count - 1].value = value + [0x2C] + last.value
            } else {
                out.append((key.userKey, value))
            }
        }
        return out.map { "0x\($0.key.hexString.uppercased()) : 0x\($0.value.hexString.uppercased())" }
    }

    @Test func invalidLayoutsAreRefused() throws {
        let key = InternalKey(userKey: [1], sequence: 5, type: .value)
        let file = FileMetaData(number: 7, size: 100, smallest: key, largest: key, smallestSequence: 5, largestSequence: 5)
        let options = TableOptions(columnFamilyID: 0, columnFamilyName: "")
        func files(_ layouts: [ColumnFamilyLayout], lastSequence: UInt64? = nil) throws {
            _ = try RocksDBDirectoryWriter(columnFamilies: layouts, tableOptions: options, lastSequence: lastSequence).files()
        }
        #expect(throws: FormatError.self) { try files([ColumnFamilyLayout(id: 1, name: "a"), ColumnFamilyLayout(id: 1, name: "b")]) }
        #expect(throws: FormatError.self) { try files([ColumnFamilyLayout(id: 1, name: "a"), ColumnFamilyLayout(id: 2, name: "a")]) }
        #expect(throws: FormatError.self) { try files([ColumnFamilyLayout(id: 0, name: "zero")]) }
        #expect(throws: FormatError.self) {
            try files([ColumnFamilyLayout(id: 1, name: "a", files: [(0, file)]), ColumnFamilyLayout(id: 2, name: "b", files: [(0, file)])])
        }
        #expect(throws: FormatError.self) { try files([ColumnFamilyLayout(id: 1, name: "a", files: [(7, file)])]) }
        #expect(throws: FormatError.self) { try files([ColumnFamilyLayout(id: 1, name: "a", files: [(0, file)])], lastSequence: 4) }
        var other = file
        other.number = 8
        #expect(throws: FormatError.self) {
            try files([ColumnFamilyLayout(id: 1, name: "a", files: [(1, file), (1, other)])])
        }
        try files([ColumnFamilyLayout(id: 1, name: "a", files: [(0, file), (0, other)])])
    }
}
