import Bytes
import Foundation
import Testing
@testable import LSMFormat

/// Every real Flink SST under `fixtures/` rewritten entry by entry with the options it records
/// (release, format version, checksum, compression, identity properties): the writer must make
/// the same entries, the same data block boundaries, the same index form and the same properties.
/// Whole-file byte identity additionally needs the same Snappy encoder as FRocksDB's bundled one.
@Suite struct TableRewriteFixtureTests {
    /// Table files on disk and SSTs inlined into `_metadata`.
    static func fixtureTables() -> [(name: String, bytes: [UInt8])] {
        FixtureTests.tableFiles().compactMap { path in FixtureTests.read(path).map { (path, $0) } }
            + FixtureTests.inlinedFiles().filter { $0.localPath.hasSuffix(".sst") }
            .map { ("\($0.origin):\($0.localPath)", $0.bytes) }
    }

    /// Sizes that follow from the compressed block sizes (and so from the Snappy encoder).
    static let sizeDependentProperties: Set<String> = [
        "rocksdb.data.size", "rocksdb.index.size", "rocksdb.tail.start.offset",
    ]

    /// What the writer makes: no range tombstones, no filter block, one flat binary-search index.
    /// Flink's rescaled DBs (deleteRange) and ForSt's defaults (partitioned index and filters) go
    /// beyond that; their tables are covered by the reader tests.
    static func withinWriterScope(_ table: BlockBasedTable) -> Bool {
        (table.properties.rangeDeletionCount ?? 0) == 0
            && (table.properties.integer("rocksdb.filter.size") ?? 0) == 0
            && table.properties.indexType == .binarySearch
    }

    @Test func rewrittenFixtureTablesMatchTheOriginals() throws {
        let tables = Self.fixtureTables()
        var identical = 0, rewritten = 0
        for (name, bytes) in tables {
            let original = try BlockBasedTable(source: InMemoryByteSource(name: name, bytes: bytes))
            guard Self.withinWriterScope(original) else { continue }
            rewritten += 1
            let options = try TableOptions(matching: original)
            let sink = MemoryTableSink()
            let builder = try TableBuilder(options: options, sink: sink)
            try original.forEachEntry { entry in
                try builder.add(entry.key, value: entry.value)
                return true
            }
            _ = try builder.finish()
            let rewritten = try BlockBasedTable(source: InMemoryByteSource(name: name + " (rewritten)", bytes: sink.bytes))

            let a = try original.entries(), b = try rewritten.entries()
            #expect(a.map(\.key) == b.map(\.key), "\(name)")
            #expect(a.map { Array($0.value) } == b.map { Array($0.value) }, "\(name)")
            // Same block boundaries: the decoded blocks are equal byte for byte.
            #expect(original.dataBlocks.count == rewritten.dataBlocks.count, "\(name)")
            for (x, y) in zip(original.dataBlocks, rewritten.dataBlocks) {
                #expect(try original.readBlock(x, kind: "data").contents.remainingBytes
                    == rewritten.readBlock(y, kind: "data").contents.remainingBytes, "\(name) block at \(x.offset)")
            }
            #expect(original.properties.indexKeyIsUserKey == rewritten.properties.indexKeyIsUserKey, "\(name)")
            #expect(try indexKeys(original) == indexKeys(rewritten), "\(name): index separators")
            #expect(original.properties.all.map(\.name) == rewritten.properties.all.map(\.name), "\(name)")
            for ((n, v), (_, w)) in zip(original.properties.all, rewritten.properties.all)
            where !Self.sizeDependentProperties.contains(n) {
                #expect(v == w, "\(name): property \(n)")
            }
            if bytes == sink.bytes {
                identical += 1
            } else if try storedDataBlocks(original) == storedDataBlocks(rewritten) {
                Issue.record("\(name): same stored data blocks but the files differ")
            } else if try storedDataBlocks(original).allSatisfy({ $0[$0.count - 5] == 0 }) {
                // Nothing compressed, so no encoder difference can explain a mismatch.
                Issue.record("\(name): uncompressed table rewritten differently")
            }
        }
        #expect(rewritten > 200, "most fixture tables are within the writer's scope")
        print("TableRewriteFixtureTests: \(identical) of \(rewritten) fixture tables rewritten byte for byte")
    }

    /// The separators of the index block (handles differ when compressed sizes differ).
    func indexKeys(_ table: BlockBasedTable) throws -> [[UInt8]] {
        var cursor = try table.readBlock(table.indexHandle, kind: "index").cursor()
        var keys: [[UInt8]] = []
        while let entry = try cursor.nextIndexEntry(
            valueDeltaEncoded: table.properties.indexValueIsDeltaEncoded, hasFirstKey: false) {
            keys.append(entry.key)
        }
        return keys
    }

    /// The stored (compressed) bytes of every data block with its trailer.
    func storedDataBlocks(_ table: BlockBasedTable) throws -> [[UInt8]] {
        try table.dataBlocks.map { try table.source.read(Int($0.offset)..<Int($0.end)) }
    }
}

extension TableOptions {
    /// The options a table was written with, as far as its footer and properties tell.
    init(matching table: BlockBasedTable) throws {
        let p = table.properties
        let release: RocksDBRelease = p.raw("rocksdb.num.filter_entries") != nil ? .frocksdb8_10 : .frocksdb6_20
        guard let compression = [BlockCompression.none, .snappy, .lz4, .lz4hc, .zstd]
            .first(where: { $0.description == p.compression }) else {
            throw FormatError(offset: 0, "unexpected compression \(p.compression ?? "nil")")
        }
        self.init(columnFamilyID: UInt32(p.columnFamilyID ?? 0), columnFamilyName: p.columnFamilyName ?? "",
                  release: release, compression: compression, checksum: table.footer.checksumType)
        formatVersion = table.footer.formatVersion
        comparatorName = p.comparator ?? ""
        mergeOperatorName = p.mergeOperator == "nullptr" ? nil : p.mergeOperator
        compressionOptions = p.string("rocksdb.compression_options")
        creationTime = p.integer("rocksdb.creation.time") ?? 0
        oldestKeyTime = p.integer("rocksdb.oldest.key.time") ?? 0
        fileCreationTime = p.integer("rocksdb.file.creation.time") ?? 0
        dbIdentity = p.string("rocksdb.creating.db.identity") ?? ""
        dbSessionIdentity = p.string("rocksdb.creating.session.identity") ?? ""
        dbHostIdentity = p.string("rocksdb.creating.host.identity") ?? ""
        originalFileNumber = p.integer("rocksdb.original.file.number") ?? 0
    }
}
