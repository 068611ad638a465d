import Bytes
import Foundation
import Testing
@testable import LSMFormat

/// Real Flink savepoints and checkpoints under `fixtures/`: every SST file (named `*.sst` or
/// uploaded under a random name and recognised by its magic number) and every SST and MANIFEST
/// inlined into a `_metadata` file. New fixtures are picked up automatically.
@Suite struct FixtureTests {
    static var fixturesRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures").resolvingSymlinksInPath()
    }

    static func allFiles() -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: fixturesRoot.path) else { return [] }
        return walker.compactMap { $0 as? String }.sorted().map { fixturesRoot.appendingPathComponent($0).path }
            .filter { !$0.contains("/generator/") }
    }

    static func read(_ path: String) -> [UInt8]? {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { [UInt8]($0) }
    }

    static func isTable(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= Footer.legacyEncodedLength else { return false }
        var r = ByteReader(Array(bytes.suffix(8)))
        let magic = (try? r.readU64LE()) ?? 0
        return magic == Footer.blockBasedMagic || magic == Footer.legacyBlockBasedMagic
    }

    /// Table files on disk.
    static func tableFiles() -> [String] {
        allFiles().filter { path in
            path.hasSuffix(".sst") || (!path.hasSuffix("_metadata") && (read(path).map(isTable) ?? false))
        }
    }

    /// Files inlined into `_metadata` as `UTF localPath ‖ 01 ‖ UTF handle name ‖ i32 length ‖ bytes`
    /// (a private-state entry with a ByteStreamStateHandle), found by their local path names.
    static func inlinedFiles() -> [(origin: String, localPath: String, bytes: [UInt8])] {
        var out: [(String, String, [UInt8])] = []
        for path in allFiles() where path.hasSuffix("/_metadata") {
            guard let bytes = read(path) else { continue }
            var i = 0
            while i + 2 < bytes.count {
                defer { i += 1 }
                var r = ByteReader(bytes)
                guard (try? r.seek(to: i)) != nil, let name = try? r.readModifiedUTF8(),
                      name.hasSuffix(".sst") || name.hasPrefix("MANIFEST-"), name.count < 40,
                      // not a name read two bytes early (e.g. "\0\n000029.sst" after an entry count of 12)
                      name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }),
                      (try? r.readU8()) == 1, (try? r.readModifiedUTF8()) != nil,
                      let length = try? r.readCount("length"), let file = try? r.readBytes(length) else { continue }
                out.append((path, name, file))
            }
        }
        return out
    }

    /// Guards the discovery itself: native fixtures present means tables found.
    @Test func discoveryFindsTheNativeFixtures() throws {
        let native = Self.allFiles().filter { $0.contains("/rocksdb-native/") || $0.contains("/rocksdb-incremental") }
        #expect(!native.isEmpty, "no RocksDB native fixtures under \(Self.fixturesRoot.path)")
        #expect(!Self.tableFiles().isEmpty || !Self.inlinedFiles().isEmpty)
        #expect(Self.inlinedFiles().contains { $0.localPath.hasPrefix("MANIFEST-") })
    }

    @Test(.enabled(if: RocksDBTools.sstDump != nil, "sst_dump is not installed"))
    func everyTableFileEqualsSSTDump() throws {
        let dir = try RocksDBTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (n, path) in Self.tableFiles().enumerated() {
            let table = try BlockBasedTable(path: path)
            let ours = try table.entries()
            // sst_dump only opens files named *.sst; Flink uploads them under random names.
            let named = "\(dir)/\(n).sst"
            try FileManager.default.createSymbolicLink(atPath: named, withDestinationPath: path)
            #expect(ours.map(RocksDBTools.line) == (try RocksDBTools.scan(named)), "\(path)")
            #expect(UInt64(ours.count) + UInt64(try table.rangeTombstones().count) == table.properties.entryCount)
        }
    }

    @Test(.enabled(if: RocksDBTools.sstDump != nil, "sst_dump is not installed"))
    func everyInlinedTableEqualsSSTDump() throws {
        let dir = try RocksDBTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (n, inlined) in Self.inlinedFiles().enumerated() where inlined.localPath.hasSuffix(".sst") {
            let path = "\(dir)/\(n)-\(inlined.localPath)"
            try Data(inlined.bytes).write(to: URL(fileURLWithPath: path))
            let table = try BlockBasedTable(source: InMemoryByteSource(name: inlined.localPath, bytes: inlined.bytes))
            #expect(try table.entries().map(RocksDBTools.line) == (try RocksDBTools.scan(path)),
                    "\(inlined.origin) \(inlined.localPath)")
            // Flink's column families carry the list-state merge operator.
            #expect(table.properties.mergeOperator == "StringAppendTESTOperator")
        }
    }

    /// Every inlined MANIFEST replays; each live SST of a family names that family in its properties
    /// when the SST is inlined next to it.
    @Test func everyInlinedManifestReplays() throws {
        let inlined = Self.inlinedFiles()
        for manifest in inlined where manifest.localPath.hasPrefix("MANIFEST-") {
            let version = try Manifest.read(manifest.bytes, name: manifest.localPath)
            #expect(version.comparator == "leveldb.BytewiseComparator")
            #expect(version.columnFamily(named: "default") != nil)
            for family in version.orderedColumnFamilies {
                for (_, file) in family.files {
                    // Each subtask's DB may have a file of that name and size (a rescaled savepoint's
                    // tombstone-only tables): one of them is this one.
                    let candidates = try inlined.filter { $0.origin == manifest.origin && $0.localPath == file.fileName
                                                          && $0.bytes.count == Int(file.size) }
                        .map { try BlockBasedTable(source: InMemoryByteSource(name: file.fileName, bytes: $0.bytes)) }
                    guard !candidates.isEmpty else { continue }
                    let found = try candidates.contains { try Self.matches($0, file, family: family.name) }
                    #expect(found, "\(manifest.origin) \(file.fileName)")
                }
            }
        }
    }

    /// Whether `table` is the MANIFEST's `file`: its family, and bounds = its first and last
    /// internal keys, or with range tombstones (Flink clips a DB restored at another parallelism
    /// with deleteRange) the user keys widened by the tombstones.
    static func matches(_ table: BlockBasedTable, _ file: FileMetaData, family: String) throws -> Bool {
        let entries = try table.entries()
        let tombstones = try table.rangeTombstones()
        guard table.properties.columnFamilyName == family else { return false }
        if tombstones.isEmpty { return entries.first?.key == file.smallest && entries.last?.key == file.largest }
        let starts = entries.map(\.key.userKey) + tombstones.map(\.start)
        let ends = entries.map(\.key.userKey) + tombstones.map(\.end)
        return starts.min { $0.lexicographicallyPrecedes($1) } == file.smallest.userKey
            && ends.max { $0.lexicographicallyPrecedes($1) } == file.largest.userKey
    }
}
