import Bytes
import Testing
@testable import LSMFormat

/// `BlockBasedTable.walkNewestVersions`, the fused walk of one table, reads what
/// `MergedColumnFamilyIterator` reads over that table alone: the same visible entries (puts, merge
/// operands folded onto what is below them, deletes hiding keys), and on damaged bytes the same
/// entries up to the same error.
@Suite struct NewestVersionsTests {
    /// Collects the walk's entries.
    struct Collect: TableEntryVisitor {
        var entries: [VisibleEntry] = []
        mutating func visit(userKey: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
            entries.append(VisibleEntry(userKey: Array(userKey), value: Array(value)))
        }
    }

    /// What a read gives: the entries, then the error that ended it (nil: the end of the table).
    struct Outcome: Equatable, CustomStringConvertible {
        var entries: [VisibleEntry]
        var error: FormatError?
        var description: String { "\(entries.count) entries, then \(error.map { "\($0)" } ?? "the end")" }
    }

    static func walked(_ table: BlockBasedTable) -> Outcome {
        var collect = Collect()
        do {
            try table.walkNewestVersions(&collect, name: "the family")
            return Outcome(entries: collect.entries, error: nil)
        } catch {
            return Outcome(entries: collect.entries, error: error as? FormatError)
        }
    }

    static func iterated(_ table: BlockBasedTable) -> Outcome {
        var it = MergedColumnFamilyIterator(cursors: [table.makeCursor()], name: "the family")
        var entries: [VisibleEntry] = []
        do {
            while let e = try it.next() { entries.append(e) }
            return Outcome(entries: entries, error: nil)
        } catch {
            return Outcome(entries: entries, error: error as? FormatError)
        }
    }

    /// Every way a key's versions stack (`InPlaceWalkTests.entries`), with versions straddling
    /// data blocks of every size.
    @Test(arguments: [64, 256, 4096])
    func readsLikeTheIterator(blockSize: Int) throws {
        let table = try InPlaceWalkTests.table(InPlaceWalkTests.entries(), blockSize: blockSize)
        let walked = Self.walked(table)
        #expect(walked.error == nil)
        #expect(walked == Self.iterated(table))
        // Of 400 keys, those of patterns 5 and 6 (a delete on top) are hidden.
        #expect(walked.entries.count == 400 - 44 - 44)
        #expect(walked.entries.contains { $0.value.contains(UInt8(ascii: ",")) }, "merge operands were folded")
    }

    /// Every table of the fixtures written by real Flink (with the merge operands of list state;
    /// deletes are in the synthetic table above).
    @Test func readsEveryFixtureTableLikeTheIterator() throws {
        var tables = 0, merges = 0
        for path in FixtureTests.tableFiles() {
            let bytes = try #require(FixtureTests.read(path))
            let table = try BlockBasedTable(source: InMemoryByteSource(name: path, bytes: bytes))
            let walked = Self.walked(table)
            #expect(walked.error == nil, "\(path)")
            #expect(walked == Self.iterated(table), "\(path)")
            merges += try table.entries().filter { $0.key.typeByte == ValueType.merge.rawValue }.count
            tables += 1
        }
        #expect(tables > 20)
        #expect(merges > 0, "the fixtures hold merge operands")
    }

    /// Damaged entries (checksums not verified, so the damage reaches the entry decoding): every
    /// byte of a small uncompressed table changed in turn gives the same entries and the same error
    /// (message and offset), whether framing, order or value type is what broke.
    @Test func damageEndsBothReadsAlike() throws {
        let entries = Array(InPlaceWalkTests.entries(keys: 40))
        var options = TableOptions(columnFamilyID: 1, columnFamilyName: "s", compression: .none, checksum: .crc32c)
        options.blockSize = 256
        let (bytes, _) = try TableWriterTests.write(entries, options)
        let clean = try BlockBasedTable(source: InMemoryByteSource(name: "t.sst", bytes: bytes),
                                        options: .init(verifyChecksums: false))
        let dataEnd = Int(try #require(clean.dataBlocks.last).end)
        var errors = 0, compared = 0
        for at in 0..<dataEnd {
            for change: UInt8 in [0x01, 0x80, 0xFF] {
                var damaged = bytes
                damaged[at] ^= change
                guard let table = try? BlockBasedTable(source: InMemoryByteSource(name: "t.sst", bytes: damaged),
                                                       options: .init(verifyChecksums: false)) else { continue }
                let walked = Self.walked(table), iterated = Self.iterated(table)
                #expect(walked == iterated, "byte \(at) ^ \(change): walk \(walked), iterator \(iterated)")
                if walked.error != nil { errors += 1 }
                compared += 1
            }
        }
        #expect(compared > 1000)
        #expect(errors > 100, "the damage reached the entries' framing, order and types (\(errors) errors)")
    }
}
