import Bytes
import Foundation
import Testing
@testable import LSMFormat

@Suite(.enabled(if: RocksDBTools.available, "ldb and sst_dump are not installed"))
struct SSTAgainstSSTDumpTests {
    /// Each variant of table options we can make `ldb` write: compression codecs, checksum types,
    /// older format versions (no index delta encoding), two-level and first-key indexes, data
    /// blocks with a hash index, other restart intervals.
    static let variants: [(name: String, compression: String, edits: [(String, String)])] = [
        ("none", "no", []),
        ("snappy", "snappy", []),
        ("lz4", "lz4", []),
        ("lz4hc", "lz4hc", []),
        ("zstd", "zstd", []),
        ("crc32c-fv2", "snappy", [("checksum=kXXH3", "checksum=kCRC32c"), ("format_version=5", "format_version=2")]),
        ("xxhash64-twolevel", "no", [("checksum=kXXH3", "checksum=kxxHash64"), ("format_version=5", "format_version=3"),
                                     ("index_type=kBinarySearch\n", "index_type=kTwoLevelIndexSearch\n"),
                                     ("metadata_block_size=4096", "metadata_block_size=256")]),
        ("xxhash-firstkey", "lz4", [("checksum=kXXH3", "checksum=kxxHash"), ("format_version=5", "format_version=4"),
                                    ("index_type=kBinarySearch\n", "index_type=kBinarySearchWithFirstKey\n")]),
        ("hashindex-restart3", "zstd", [("data_block_index_type=kDataBlockBinarySearch", "data_block_index_type=kDataBlockBinaryAndHash"),
                                        ("  block_restart_interval=16", "  block_restart_interval=3"),
                                        ("index_block_restart_interval=1", "index_block_restart_interval=4")]),
    ]

    /// What each variant's table must say about itself (checksum, format_version, index type).
    static let expectedLayout: [String: (ChecksumType, UInt32, IndexType)] = [
        "crc32c-fv2": (.crc32c, 2, .binarySearch), "xxhash64-twolevel": (.xxHash64, 3, .twoLevel),
        "xxhash-firstkey": (.xxHash, 4, .binarySearchWithFirstKey), "none": (.xxh3, 5, .binarySearch),
    ]

    @Test(arguments: 0..<variants.count)
    func entriesEqualSSTDumpScan(_ i: Int) throws {
        let variant = Self.variants[i]
        let dir = try RocksDBTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try RocksDBTools.makeDB(in: dir, name: variant.name, compression: variant.compression,
                                         optionEdits: variant.edits)
        let files = try RocksDBTools.ssts(in: db)
        #expect(files.count == 1)
        for path in files {
            let table = try BlockBasedTable(path: path)
            let ours = try table.entries().map(RocksDBTools.line)
            #expect(ours.count == 2000)
            #expect(ours == (try RocksDBTools.scan(path)), "\(variant.name)")
            #expect(table.properties.entryCount == 2000)
            #expect(Int(table.properties.dataBlockCount ?? 0) == table.dataBlocks.count)
            #expect(table.properties.compression == ["no": "NoCompression", "snappy": "Snappy", "lz4": "LZ4",
                                                     "lz4hc": "LZ4HC", "zstd": "ZSTD"][variant.compression])
            if let (checksum, version, indexType) = Self.expectedLayout[variant.name] {
                #expect(table.footer.checksumType == checksum)
                #expect(table.footer.formatVersion == version)
                #expect(table.properties.indexType == indexType)
            }
        }
    }

    /// Deletes and range deletions, flushed by reopening (recovery writes level-0 tables).
    @Test func tombstonesAreReported() throws {
        let dir = try RocksDBTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = "\(dir)/tomb", ldb = RocksDBTools.ldb!
        try RocksDBTools.run(ldb, ["--db=\(db)", "--create_if_missing", "put", "a", "1"])
        try RocksDBTools.run(ldb, ["--db=\(db)", "put", "b", "2"])
        try RocksDBTools.run(ldb, ["--db=\(db)", "delete", "b"])
        try RocksDBTools.run(ldb, ["--db=\(db)", "deleterange", "c", "e"])
        // Each ldb call reopens the DB, and recovery flushes the previous call's WAL to a table.
        try RocksDBTools.run(ldb, ["--db=\(db)", "put", "c2", "3"])
        var types: [ValueType?] = []
        var tombstones: [RangeTombstone] = []
        for path in try RocksDBTools.ssts(in: db) {
            let table = try BlockBasedTable(path: path)
            let entries = try table.entries()
            #expect(entries.map(RocksDBTools.line) == (try RocksDBTools.scan(path)))
            types += entries.map(\.key.type)
            tombstones += try table.rangeTombstones()
            #expect(Int(table.properties.rangeDeletionCount ?? 0) == (try table.rangeTombstones().count))
        }
        #expect(types == [.value, .value, .deletion])
        #expect(tombstones == [RangeTombstone(start: Array("c".utf8), end: Array("e".utf8), sequence: 4)])
    }
}

@Suite(.enabled(if: RocksDBTools.available, "ldb and sst_dump are not installed"))
struct SSTCorruptionTests {
    static func sampleTable(compression: String) throws -> (dir: String, bytes: [UInt8], table: BlockBasedTable) {
        let dir = try RocksDBTools.temporaryDirectory()
        let db = try RocksDBTools.makeDB(in: dir, name: "db", compression: compression)
        let path = try RocksDBTools.ssts(in: db)[0]
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        return (dir, bytes, try BlockBasedTable(path: path))
    }

    /// A flipped bit inside a data block is a checksum error naming that block's offset.
    @Test(arguments: ["no", "snappy"])
    func flippedBitIsAChecksumError(_ compression: String) throws {
        let (dir, original, table) = try Self.sampleTable(compression: compression)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let block = table.dataBlocks[2]
        var bytes = original
        bytes[Int(block.offset + block.size / 2)] ^= 0x10
        let corrupt = try BlockBasedTable(source: InMemoryByteSource(name: "corrupt.sst", bytes: bytes))
        let error = #expect(throws: FormatError.self) { try corrupt.entries() }
        #expect(error?.offset == Int(block.offset))
        #expect(error?.file == "corrupt.sst")
        #expect(error?.message.contains("checksum mismatch") == true)
        #expect(error?.message.contains("data block at offset \(block.offset)") == true)
        // Without verification the flip in stored bytes is not caught by a checksum.
        let lax = try BlockBasedTable(source: InMemoryByteSource(name: "corrupt.sst", bytes: bytes),
                                      options: .init(verifyChecksums: false))
        if compression == "no" { #expect(try lax.entries().count == 2000) }
    }

    /// Every truncation gives a FormatError, never a crash.
    @Test func truncatedTablesFailCleanly() throws {
        let (dir, bytes, _) = try Self.sampleTable(compression: "snappy")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) + [bytes.count - 1, bytes.count - 53] {
            let source = InMemoryByteSource(name: "cut.sst", bytes: Array(bytes.prefix(cut)))
            #expect(throws: FormatError.self) {
                let table = try BlockBasedTable(source: source)
                _ = try table.entries()
            }
        }
    }

    /// Random single-byte damage anywhere: an error or (for unchecked bytes) a result, never a crash.
    /// A flipped byte anywhere ends in a `FormatError` or a successful read; with checksums
    /// verified, a read that succeeds gives the original entries (the damage missed every checked byte).
    @Test func damagedBytesEndInAFormatErrorOrARead() throws {
        let (dir, original, table) = try Self.sampleTable(compression: "lz4")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let originalLines = try table.entries().map(RocksDBTools.line)
        var seed: UInt64 = 42
        var refused = 0, read = 0
        for _ in 0..<300 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            var bytes = original
            let at = Int(seed >> 33) % bytes.count
            bytes[at] ^= UInt8(truncatingIfNeeded: seed >> 13) | 1
            for verify in [true, false] {
                let options = BlockBasedTable.Options(maxBlockSize: 1 << 20, verifyChecksums: verify)
                do {
                    let entries = try BlockBasedTable(source: InMemoryByteSource(name: "x", bytes: bytes), options: options).entries()
                    read += 1
                    if verify { #expect(entries.map(RocksDBTools.line) == originalLines, "byte \(at)") }
                } catch is FormatError {
                    refused += 1
                } catch {
                    Issue.record("byte \(at): not a FormatError: \(error)")
                }
            }
        }
        #expect(refused + read == 600)
        // Most of a table is checksummed block contents: most flips are refused when verified.
        #expect(refused >= 300)
    }
}

