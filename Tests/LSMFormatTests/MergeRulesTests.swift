import Bytes
import Testing
@testable import LSMFormat

/// The read rules of `MergedColumnFamilyIterator` on synthetic entries: newest version wins,
/// deletes and range tombstones hide older versions, merge operands join oldest first.
@Suite struct MergeRulesTests {
    static func entry(_ key: String, _ seq: UInt64, _ type: ValueType, _ value: String = "") -> TableEntry {
        TableEntry(key: InternalKey(userKey: Array(key.utf8), sequence: seq, type: type),
                   value: ArraySlice(Array(value.utf8)), blockOffset: 0)
    }

    /// Sorts like a table: user key ascending, then sequence descending.
    static func table(_ entries: [TableEntry]) -> ArrayEntryCursor {
        ArrayEntryCursor(entries.sorted {
            $0.key.userKey != $1.key.userKey ? $0.key.userKey.lexicographicallyPrecedes($1.key.userKey)
                : $0.key.sequence > $1.key.sequence
        })
    }

    /// What the tables show, read by merging them; without range tombstones also read as one
    /// table walked in place (all entries in one cursor), which must agree.
    static func visible(_ tables: [[TableEntry]], tombstones: [RangeTombstone] = []) throws -> [String: String] {
        // An empty extra cursor keeps even a single table on the merging path.
        let merged = try read(tables + [[]], tombstones: tombstones)
        if tombstones.isEmpty {
            #expect(try read([tables.flatMap { $0 }], tombstones: []) == merged, "the in-place walk reads like the merge")
        }
        return merged
    }

    static func read(_ tables: [[TableEntry]], tombstones: [RangeTombstone]) throws -> [String: String] {
        var it = MergedColumnFamilyIterator(cursors: tables.map(table), rangeTombstones: tombstones)
        var out: [String: String] = [:]
        var previous: [UInt8]? = nil
        while let e = try it.next() {
            if let previous { #expect(previous.lexicographicallyPrecedes(e.userKey), "keys must come out sorted and once") }
            previous = e.userKey
            out[String(decoding: e.userKey, as: UTF8.self)] = String(decoding: e.value, as: UTF8.self)
        }
        return out
    }

    @Test func highestSequenceWinsAcrossTables() throws {
        let older = [Self.entry("a", 1, .value, "old"), Self.entry("b", 2, .value, "b1")]
        let newer = [Self.entry("a", 5, .value, "new"), Self.entry("c", 6, .value, "c1")]
        #expect(try Self.visible([older, newer]) == ["a": "new", "b": "b1", "c": "c1"])
        #expect(try Self.visible([newer, older]) == ["a": "new", "b": "b1", "c": "c1"])
    }

    @Test func deletesHideOlderVersionsOnly() throws {
        let base = [Self.entry("a", 1, .value, "x"), Self.entry("b", 1, .value, "y"), Self.entry("c", 1, .value, "z")]
        let deletes = [Self.entry("a", 4, .deletion), Self.entry("b", 4, .singleDeletion)]
        let rewritten = [Self.entry("c", 3, .deletion), Self.entry("c", 5, .value, "again")]
        #expect(try Self.visible([base, deletes, rewritten]) == ["c": "again"])
    }

    @Test func mergeOperandsJoinOldestFirstOntoTheBase() throws {
        let put = [Self.entry("k", 1, .value, "p")]
        let ops = [Self.entry("k", 2, .merge, "m1"), Self.entry("k", 4, .merge, "m3")]
        let more = [Self.entry("k", 3, .merge, "m2"), Self.entry("j", 2, .merge, "only")]
        #expect(try Self.visible([put, ops, more]) == ["k": "p,m1,m2,m3", "j": "only"])
    }

    @Test func aDeleteCutsTheMergeChain() throws {
        let entries = [Self.entry("k", 1, .merge, "lost"), Self.entry("k", 2, .deletion),
                       Self.entry("k", 3, .merge, "kept1"), Self.entry("k", 4, .merge, "kept2")]
        #expect(try Self.visible([entries]) == ["k": "kept1,kept2"])
        #expect(try Self.visible([[Self.entry("k", 1, .merge, "x"), Self.entry("k", 2, .deletion)]]) == [:])
    }

    @Test func rangeTombstonesHideCoveredOlderKeys() throws {
        let entries = [Self.entry("a", 1, .value, "1"), Self.entry("b", 1, .value, "2"),
                       Self.entry("c", 9, .value, "newer"), Self.entry("d", 1, .value, "end is exclusive"),
                       Self.entry("bb", 2, .merge, "op")]
        let tombstone = RangeTombstone(start: Array("b".utf8), end: Array("d".utf8), sequence: 5)
        #expect(try Self.visible([entries], tombstones: [tombstone])
            == ["a": "1", "c": "newer", "d": "end is exclusive"])
    }

    @Test func unexpectedValueTypesAreReportedNotGuessed() throws {
        let blob = [Self.entry("a", 1, .blobIndex, "x")]
        #expect(throws: FormatError.self) { try Self.visible([blob]) }
        #expect(throws: FormatError.self) { try Self.read([blob], tombstones: []) }  // one table, in place
    }

    @Test func tablesOutOfOrderAreReported() throws {
        var it = MergedColumnFamilyIterator(cursors: [ArrayEntryCursor([Self.entry("b", 1, .value), Self.entry("a", 1, .value)])])
        #expect(throws: FormatError.self) { while try it.next() != nil {} }
    }

    @Test func bytewiseOrderPutsPrefixesFirstAndTreatsBytesUnsigned() throws {
        var it = MergedColumnFamilyIterator(cursors: [
            ArrayEntryCursor([TableEntry(key: InternalKey(userKey: [0x01], sequence: 1, type: .value), value: [], blockOffset: 0),
                              TableEntry(key: InternalKey(userKey: [0x01, 0x00], sequence: 1, type: .value), value: [], blockOffset: 0)]),
            ArrayEntryCursor([TableEntry(key: InternalKey(userKey: [0x80], sequence: 1, type: .value), value: [], blockOffset: 0)]),
        ])
        var keys: [[UInt8]] = []
        while let e = try it.next() { keys.append(e.userKey) }
        #expect(keys == [[0x01], [0x01, 0x00], [0x80]])
    }
}
