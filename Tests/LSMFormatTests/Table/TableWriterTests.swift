import Bytes
import Foundation
import Testing
@testable import LSMFormat

/// Tables written by `TableBuilder`, read back by our reader and by Debian's `sst_dump`.
@Suite struct TableWriterTests {
    /// Deterministic entries in internal-key order: keys with long shared prefixes, several merge
    /// operands per key (newest first), empty values and values larger than a block.
    static func sampleEntries(count: Int = 3000) -> [(key: InternalKey, value: [UInt8])] {
        var out: [(InternalKey, [UInt8])] = []
        var seq: UInt64 = 1_000_000
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        for i in 0..<count {
            let user = Array("kg\(String(format: "%03d", i / 100))/shared-prefix-for-many-keys/\(String(format: "%06d", i))".utf8)
            let operands = i % 7 == 0 ? 3 : 1
            for o in 0..<operands {
                let length: Int
                switch i % 50 {
                case 0: length = 0
                case 1: length = 9000 + Int(next() % 3000)  // larger than a block
                default: length = Int(next() % 40)
                }
                // Compressible: a repeated byte run, then noise.
                let value = (0..<length).map { j in j < length / 2 ? UInt8(i & 0xFF) : UInt8(truncatingIfNeeded: next()) }
                out.append((InternalKey(userKey: user, sequence: seq - UInt64(o), type: operands > 1 ? .merge : .value), value))
            }
            seq -= 3
        }
        return out
    }

    static func write(_ entries: [(key: InternalKey, value: [UInt8])], _ options: TableOptions) throws
        -> (bytes: [UInt8], summary: TableSummary)
    {
        let sink = MemoryTableSink()
        let builder = try TableBuilder(options: options, sink: sink)
        for (key, value) in entries { try builder.add(key, value: value) }
        let summary = try builder.finish()
        return (sink.bytes, summary)
    }

    static let compressions: [BlockCompression] = [.none, .snappy, .lz4, .zstd]
    static let checksums: [ChecksumType] = [.crc32c, .xxh3]

    @Test(arguments: compressions, checksums)
    func writtenTableReadsBack(compression: BlockCompression, checksum: ChecksumType) throws {
        let entries = Self.sampleEntries()
        var options = TableOptions(columnFamilyID: 3, columnFamilyName: "events", compression: compression, checksum: checksum)
        options.creationTime = 1_795_609_774
        let (bytes, summary) = try Self.write(entries, options)
        let table = try BlockBasedTable(source: InMemoryByteSource(name: "t.sst", bytes: bytes))
        let read = try table.entries()
        #expect(read.count == entries.count)
        #expect(read.map(\.key) == entries.map(\.key))
        #expect(read.map { Array($0.value) } == entries.map(\.value))
        #expect(table.footer.checksumType == checksum)
        #expect(table.footer.formatVersion == 5)
        #expect(table.properties.entryCount == UInt64(entries.count))
        #expect(table.properties.columnFamilyID == 3)
        #expect(table.properties.columnFamilyName == "events")
        #expect(table.properties.compression == compression.description)
        #expect(table.properties.mergeOperator == "StringAppendTESTOperator")
        #expect(table.properties.comparator == "leveldb.BytewiseComparator")
        #expect(table.properties.mergeOperandCount == UInt64(entries.filter { $0.key.type == .merge }.count))
        #expect(table.properties.rawKeySize == UInt64(entries.reduce(0) { $0 + $1.key.encoded.count }))
        #expect(table.properties.dataBlockCount == UInt64(table.dataBlocks.count))
        #expect(table.properties.dataSize == table.dataBlocks.last.map(\.end))
        #expect(summary.fileSize == UInt64(bytes.count))
        #expect(summary.smallestKey == entries.first?.key && summary.largestKey == entries.last?.key)
        #expect(summary.smallestSequence == entries.map(\.key.sequence).min())
        #expect(summary.largestSequence == entries.map(\.key.sequence).max())
        // Compression actually used where it pays: the stored data is smaller than the raw data.
        if compression != .none {
            #expect(summary.tailStartOffset < table.properties.rawKeySize! + table.properties.rawValueSize!)
        }
    }

    /// Blocks obey the flush rule: every data block except a single huge entry's ends below
    /// block size plus the entry that crossed it, and block sizes stay close to 4 KiB.
    @Test func dataBlocksFollowTheSizePolicy() throws {
        let entries = Self.sampleEntries().filter { $0.value.count < 100 && $0.key.type == .value }
        let options = TableOptions(columnFamilyID: 1, columnFamilyName: "count", compression: .none)
        let (bytes, _) = try Self.write(entries, options)
        let table = try BlockBasedTable(source: InMemoryByteSource(name: "t.sst", bytes: bytes))
        let sizes = table.dataBlocks.map(\.size)
        #expect(sizes.count > 10)
        for size in sizes.dropLast() {
            #expect(size > UInt64(options.blockSizeDeviationLimit) - 200 && size <= 4096 + 200, "block of \(size) bytes")
        }
        // No boundary falls inside a user key, so the index stores user keys.
        #expect(table.properties.indexKeyIsUserKey)
    }

    @Test func boundaryInsideAUserKeyMakesTheIndexUseInternalKeys() throws {
        // 400 operands of one key span several blocks.
        let user = Array("one-key".utf8)
        let entries = (0..<400).map { i in
            (key: InternalKey(userKey: user, sequence: UInt64(1000 - i), type: .merge), value: [UInt8](repeating: 0x41, count: 30))
        }
        let (bytes, _) = try Self.write(entries, TableOptions(columnFamilyID: 2, columnFamilyName: "events", compression: .none))
        let table = try BlockBasedTable(source: InMemoryByteSource(name: "t.sst", bytes: bytes))
        #expect(table.dataBlocks.count > 1)
        #expect(!table.properties.indexKeyIsUserKey)
        #expect(try table.entries().map(\.key) == entries.map(\.key))
    }

    @Test func separatorsAreShortenedAsBytewiseComparatorDoes() {
        func sep(_ a: String, _ b: String) -> String {
            var s = Array(a.utf8)
            IndexBlockBuilder.bytewiseShortestSeparator(&s, Array(b.utf8)[...])
            return String(decoding: s, as: UTF8.self)
        }
        #expect(sep("abc1xyz", "abc3") == "abc2")  // increment the first differing byte
        #expect(sep("abc", "abcd") == "abc")  // prefix: unchanged
        #expect(sep("abd", "abc") == "abd")  // not below limit: unchanged
        #expect(sep("ab1zz", "ab2") == "ab1{")  // +1 would reach limit's last byte: bump the next byte
        var ff: [UInt8] = [0x61, 0x31, 0xFF, 0xFF, 0x05]
        IndexBlockBuilder.bytewiseShortestSeparator(&ff, [0x61, 0x32][...])
        #expect(ff == [0x61, 0x31, 0xFF, 0xFF, 0x06])
        // Shortened and larger: gets the max-sequence trailer with the seek type.
        let start = InternalKey(userKey: Array("k1xyz".utf8), sequence: 5, type: .value).encoded
        let limit = InternalKey(userKey: Array("k3".utf8), sequence: 9, type: .value).encoded
        let s = IndexBlockBuilder.shortestSeparator(start, limit, seekType: 0x16)
        #expect(s == Array("k2".utf8) + [0x16, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
    }

    @Test func keysOutOfOrderAreRefused() throws {
        let builder = try TableBuilder(options: TableOptions(columnFamilyID: 1, columnFamilyName: "x"), sink: MemoryTableSink())
        try builder.add(InternalKey(userKey: [2], sequence: 1, type: .value), value: [UInt8]())
        #expect(throws: FormatError.self) { try builder.add(InternalKey(userKey: [1], sequence: 1, type: .value), value: [UInt8]()) }
        // Same user key: a higher sequence must come first.
        #expect(throws: FormatError.self) { try builder.add(InternalKey(userKey: [2], sequence: 2, type: .value), value: [UInt8]()) }
        #expect(throws: FormatError.self) { try builder.add(encodedKey: [1, 2], value: [UInt8]()) }
    }

    @Test func emptyTableIsReadable() throws {
        let (bytes, summary) = try Self.write([], TableOptions(columnFamilyID: 1, columnFamilyName: "x"))
        let table = try BlockBasedTable(source: InMemoryByteSource(name: "t.sst", bytes: bytes))
        #expect(try table.entries().isEmpty)
        #expect(summary.fileMetaData(number: 7) == nil)
    }

    @Test func fileSinkWritesTheSameBytes() throws {
        let dir = try RocksDBTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let entries = Self.sampleEntries(count: 500)
        let options = TableOptions(columnFamilyID: 1, columnFamilyName: "count")
        let sink = try FileTableSink(path: "\(dir)/000009.sst")
        let builder = try TableBuilder(options: options, sink: sink)
        for (key, value) in entries { try builder.add(key, value: value) }
        _ = try builder.finish()
        try sink.close()
        let (memory, _) = try Self.write(entries, options)
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/000009.sst"))) == memory)
    }

    // MARK: sst_dump

    /// Guards the oracle: a flipped byte in a written table is reported by the check.
    @Test(.enabled(if: RocksDBTools.sstDump != nil, "sst_dump is not installed"))
    func sstDumpCheckNoticesCorruption() throws {
        let dir = try RocksDBTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var (bytes, _) = try Self.write(Self.sampleEntries(count: 300), TableOptions(columnFamilyID: 1, columnFamilyName: "c"))
        bytes[100] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/000001.sst"))
        #expect(try !RocksDBTools.checkProblems("\(dir)/000001.sst").isEmpty)
    }

    @Test(.enabled(if: RocksDBTools.sstDump != nil, "sst_dump is not installed"),
          arguments: compressions, RocksDBRelease.allCases)
    func sstDumpAcceptsWrittenTables(compression: BlockCompression, release: RocksDBRelease) throws {
        let dir = try RocksDBTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let entries = Self.sampleEntries()
        for checksum in Self.checksums {
            let options = TableOptions(columnFamilyID: 2, columnFamilyName: "events", release: release,
                                       compression: compression, checksum: checksum)
            let (bytes, _) = try Self.write(entries, options)
            let path = "\(dir)/00001\(checksum.rawValue).sst"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect(try RocksDBTools.checkProblems(path) == [])
            let ours = try BlockBasedTable(path: path).entries().map(RocksDBTools.line)
            #expect(try RocksDBTools.scan(path) == ours)
            #expect(ours.count == entries.count)
        }
    }
}

extension RocksDBTools {
    /// Runs a tool and returns stdout and stderr together: `sst_dump --command=check` reports
    /// corruption on stderr and still exits with 0.
    static func runCapturingErrors(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self) + (process.terminationStatus == 0 ? "" : "\nexit status \(process.terminationStatus)")
    }

    /// `sst_dump --command=check --verify_checksum`'s complaints about a table, empty when it is accepted.
    static func checkProblems(_ path: String) throws -> [String] {
        try runCapturingErrors(sstDump!, ["--file=\(path)", "--command=check", "--verify_checksum"])
            .split(separator: "\n").map(String.init)
            .filter { $0.contains("Corruption") || $0.contains("rror") || $0.contains("exit status") || $0.contains("Invalid") }
    }
}
