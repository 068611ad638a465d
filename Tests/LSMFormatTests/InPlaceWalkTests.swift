import Bytes
import Testing
@testable import LSMFormat

/// A column family of one table is walked in place (`TableCursor.step`, values lent from the
/// decoded block); with more tables it is merged. Both must read alike, also when a key's
/// versions straddle data blocks, and the in-place walk must still catch a table out of order.
@Suite struct InPlaceWalkTests {
    /// Every way a key's versions can stack (newest first), for many keys: a lone put, a put
    /// hiding older puts, merges onto a put, merges alone, a delete cutting a merge chain, a
    /// delete hiding everything, merges above a delete, a single delete, empty values.
    static func entries(keys: Int = 400) -> [(key: InternalKey, value: [UInt8])] {
        var out: [(InternalKey, [UInt8])] = []
        var seq: UInt64 = 10_000_000
        for i in 0..<keys {
            let user = Array("kg\(i / 40)/user-\(String(format: "%05d", i))".utf8)
            let v = { (tag: String) in Array("\(tag)-\(i)-".utf8) + [UInt8](repeating: UInt8(i & 0x7F), count: i % 23) }
            let versions: [(ValueType, [UInt8])]
            switch i % 9 {
            case 0: versions = [(.value, v("put"))]
            case 1: versions = [(.value, v("new")), (.value, v("old")), (.merge, v("older"))]
            case 2: versions = [(.merge, v("m3")), (.merge, v("m2")), (.merge, v("m1")), (.value, v("base"))]
            case 3: versions = [(.merge, v("m2")), (.merge, v("m1"))]
            case 4: versions = [(.merge, v("kept")), (.deletion, []), (.merge, v("lost")), (.value, v("lost"))]
            case 5: versions = [(.deletion, []), (.value, v("hidden"))]
            case 6: versions = [(.singleDeletion, []), (.value, v("hidden"))]
            case 7: versions = [(.value, []), (.merge, v("hidden"))]
            default: versions = (0..<(3 + i % 5)).map { (.merge, v("op\($0)")) }
            }
            for (k, (type, value)) in versions.enumerated() {
                out.append((InternalKey(userKey: user, sequence: seq - UInt64(k), type: type), value))
            }
            seq -= 10
        }
        return out
    }

    static func table(_ entries: [(key: InternalKey, value: [UInt8])], blockSize: Int,
                      compression: BlockCompression = .snappy, verify: Bool = true) throws -> BlockBasedTable {
        var options = TableOptions(columnFamilyID: 1, columnFamilyName: "s", compression: compression, checksum: .crc32c)
        options.blockSize = blockSize
        let (bytes, _) = try TableWriterTests.write(entries, options)
        return try BlockBasedTable(source: InMemoryByteSource(name: "t.sst", bytes: bytes),
                                   options: .init(verifyChecksums: verify))
    }

    static func visible<C: InternalEntryCursor>(_ cursors: [C]) throws -> [VisibleEntry] {
        var it = MergedColumnFamilyIterator(cursors: cursors)
        var out: [VisibleEntry] = []
        while let e = try it.next() { out.append(e) }
        return out
    }

    @Test(arguments: [64, 256, 4096])
    func inPlaceWalkReadsLikeTheMerge(blockSize: Int) throws {
        let table = try Self.table(Self.entries(), blockSize: blockSize)
        let inPlace = try Self.visible([table.makeCursor()])
        // An empty second cursor forces the merging path over the same table.
        let merged = try Self.visible([ArrayEntryCursor(try table.entries()), ArrayEntryCursor([])])
        #expect(inPlace == merged)
        // Keys of patterns 5 and 6 are hidden; the rest are visible once each.
        #expect(inPlace.count == 400 - 2 * (400 / 9) - (400 % 9 > 5 ? 1 : 0) - (400 % 9 > 6 ? 1 : 0))
        func value(_ i: Int, _ tags: [String]) -> [UInt8] {
            Array(tags.map { "\($0)-\(i)-" + String(repeating: Character(Unicode.Scalar(UInt8(i & 0x7F))), count: i % 23) }
                .joined(separator: ",").utf8)
        }
        let byKey = Dictionary(uniqueKeysWithValues: inPlace.map { (String(decoding: $0.userKey, as: UTF8.self), $0.value) })
        #expect(byKey["kg0/user-00002"] == value(2, ["base", "m1", "m2", "m3"]))
        #expect(byKey["kg0/user-00004"] == value(4, ["kept"]))
        #expect(byKey["kg0/user-00003"] == value(3, ["m1", "m2"]))
        #expect(byKey["kg0/user-00007"] == [])
        #expect(byKey["kg0/user-00005"] == nil && byKey["kg0/user-00006"] == nil)
        #expect(byKey["kg0/user-00017"] == value(17, (0..<5).map { "op\($0)" }.reversed()))
    }

    /// A table whose second key was changed on disk to sort after the third: the in-place walk
    /// reports the order, as the merge does.
    @Test func outOfOrderTableIsReported() throws {
        let keys = ["row-a", "row-m", "row-q"].map { Array($0.utf8) }
        let entries = keys.enumerated().map { (InternalKey(userKey: $1, sequence: 9 - UInt64($0), type: .value), [UInt8(0x76)]) }
        var options = TableOptions(columnFamilyID: 1, columnFamilyName: "s", compression: .none, checksum: .crc32c)
        options.blockSize = 4096
        var (bytes, _) = try TableWriterTests.write(entries, options)
        let m = try #require(bytes.firstIndex(of: UInt8(ascii: "m")))
        bytes[m] = UInt8(ascii: "z")
        let table = try BlockBasedTable(source: InMemoryByteSource(name: "t.sst", bytes: bytes), options: .init(verifyChecksums: false))
        #expect(throws: FormatError.self) { _ = try Self.visible([table.makeCursor()]) }
        #expect(throws: FormatError.self) { _ = try Self.visible([table.makeCursor(), table.makeCursor()]) }
    }
}
