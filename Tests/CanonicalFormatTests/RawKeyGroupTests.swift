import Testing
@testable import CanonicalFormat

/// The key group a conversion moves: entries stored back to back, sorted in place by state then
/// unsigned bytes, the prefix written from the key group.
@Suite struct RawKeyGroupTests {
    static func group(_ entries: [(Int, [UInt8], [UInt8])], keyGroup: Int = 5) -> RawKeyGroup {
        var g = RawKeyGroup(keyGroup: keyGroup)
        for (s, k, v) in entries { g.append(stateIndex: s, key: k, value: v) }
        return g
    }

    static func contents(_ g: RawKeyGroup) -> [String] {
        (0..<g.count).map { let e = g.entry($0); return "\(e.stateIndex):\(e.key):\(e.value)" }
    }

    /// Keys and values of every short length (copied as words, not with `memmove`) and a splice
    /// (bytes put in after the first `keep`, `drop` bytes left out) store what was given.
    @Test func storesEveryLengthAndSplicedValues() {
        var g = RawKeyGroup(keyGroup: 1)
        var expected: [String] = []
        for n in 0...20 {
            let key = (0..<n).map { UInt8(truncatingIfNeeded: 1 + $0 * 37) }, value = (0..<(20 - n)).map { UInt8(truncatingIfNeeded: 200 - $0) }
            g.append(stateIndex: n % 3, key: key, value: value)
            expected.append("\(n % 3):\(key):\(value)")
        }
        let value: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 8]
        for (keep, insert, drop) in [(0, [UInt8](), 0), (0, [9, 9, 9], 0), (1, [7, 7, 7, 7, 7, 7, 7, 7], 0), (1, [], 8), (3, [5], 2), (9, [1], 0)] {
            [UInt8]([4, 2]).withUnsafeBufferPointer { k in
                value.withUnsafeBufferPointer { v in
                    insert.withUnsafeBufferPointer { i in g.append(stateIndex: 0, key: k, value: v, keep: keep, insert: i, drop: drop) }
                }
            }
            expected.append("0:[4, 2]:\(Array(value[..<keep]) + insert + value[(keep + drop)...])")
        }
        #expect(Self.contents(g) == expected)
    }

    /// Sorting gathers the entries into their new order: the encodings lie back to back in slot
    /// order, and the group refilled, sorted again and appended to after a sort stays whole.
    @Test func sortingGathersTheEncodingsIntoSlotOrder() {
        func encodings(_ g: RawKeyGroup) -> [UInt8] { g.withEncodedBytes { Array($0) } }
        func expected(_ g: RawKeyGroup) -> [UInt8] {
            (0..<g.count).flatMap { i -> [UInt8] in
                let e = g.entry(i)
                return withUnsafeBytes(of: UInt32(e.key.count).bigEndian, Array.init) + e.key
                    + withUnsafeBytes(of: UInt32(e.value.count).bigEndian, Array.init) + e.value
            }
        }
        var g = RawKeyGroup(keyGroup: 3)
        for round in 0..<3 {
            g.reset(keyGroup: 3)
            for i in (0..<200).reversed() {
                g.append(stateIndex: i % 3, key: [3, UInt8(i % 7), UInt8(truncatingIfNeeded: i * 31 + round)], value: Array(repeating: UInt8(i % 256), count: i % 11))
            }
            let before = Self.contents(g).sorted()
            g.sortIntoCanonicalOrder()
            #expect(g.isInCanonicalOrder && Self.contents(g).sorted() == before)
            #expect(encodings(g) == expected(g))
            g.append(stateIndex: 2, key: [3, 0xFF], value: [1, 2])
            #expect(Self.contents(g).last == "2:[3, 255]:[1, 2]" && encodings(g) == expected(g))
        }
    }

    @Test func sortsByStateThenUnsignedBytesWithPrefixesFirst() {
        var g = Self.group([
            (1, [5, 0x01], [1]),
            (0, [5, 0xFF], [2]),
            (0, [5, 0x7F, 0x00], [3]),
            (0, [5, 0x7F], [4]),
            (0, [5], [5]),
        ])
        #expect(!g.isInCanonicalOrder)
        g.sortIntoCanonicalOrder()
        #expect(g.isInCanonicalOrder)
        #expect(Self.contents(g) == ["0:[5]:[5]", "0:[5, 127]:[4]", "0:[5, 127, 0]:[3]", "0:[5, 255]:[2]", "1:[5, 1]:[1]"])
    }

    /// Keys sharing a long prefix, of every length around the 8-byte window after it (shorter keys,
    /// zero bytes where the window pads, 0xFF, equal windows told apart further on): the sort
    /// equals a plain sort by state then unsigned bytes.
    @Test func sortEqualsBytewiseOrderAroundTheSharedPrefix() {
        var rng = SystemRandomNumberGenerator()
        for shared in [0, 1, 6, 13] {
            let prefix = (0..<shared).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var entries: [(Int, [UInt8], [UInt8])] = []
            for i in 0..<600 {
                let tail = (0..<Int.random(in: 0...12, using: &rng)).map { _ in ([0x00, 0x01, 0x7F, 0x80, 0xFF] as [UInt8]).randomElement(using: &rng)! }
                entries.append((Int.random(in: 0...2, using: &rng), prefix + tail, [UInt8(i % 256)]))
            }
            var g = Self.group(entries)
            g.sortIntoCanonicalOrder()
            #expect(g.isInCanonicalOrder)
            let expected = entries.sorted { a, b in a.0 != b.0 ? a.0 < b.0 : a.1.lexicographicallyPrecedes(b.1) }
            #expect((0..<g.count).map { g.entry($0).stateIndex } == expected.map(\.0))
            #expect((0..<g.count).map { g.entry($0).key } == expected.map(\.1))
            #expect(Self.contents(g).sorted() == entries.map { "\($0.0):\($0.1):\($0.2)" }.sorted())
        }
    }

    @Test func sortedInputIsLeftAsIs() {
        var g = Self.group([(0, [5, 1], []), (0, [5, 2], [9]), (3, [5, 0], [1, 2])])
        let before = Self.contents(g)
        #expect(g.isInCanonicalOrder)
        g.sortIntoCanonicalOrder()
        #expect(Self.contents(g) == before)
    }

    @Test func prefixComesFromTheKeyGroup() {
        var g = RawKeyGroup(keyGroup: 0x0102)
        let key: [UInt8] = [0xAA, 0xBB], value: [UInt8] = [0x2C]
        key.withUnsafeBufferPointer { k in
            value.withUnsafeBufferPointer { v in
                g.append(stateIndex: 2, keyGroupPrefixBytes: 2, keyAfterPrefix: k, value: v)
                g.append(stateIndex: 2, keyGroupPrefixBytes: 1, keyAfterPrefix: k, value: v)
            }
        }
        #expect(g.entry(0).key == [0x01, 0x02, 0xAA, 0xBB])
        #expect(g.entry(1).key == [0x02, 0xAA, 0xBB])
        #expect(g.byteCount == (4 + 1 + 3 + 1) + 2 * 8)
    }

    /// A stage passes runs on whole: the same entries whether `other` still holds them in storage
    /// order (one copy) or was sorted (entry by entry), after what the group already holds.
    @Test func appendingARunOfAnotherGroup() {
        let inOrder = Self.group([(0, [5, 1], [1]), (1, [5, 2], [2, 2]), (1, [5, 3], []), (2, [5, 4], [4])])
        var sorted = Self.group([(1, [5, 3], []), (2, [5, 4], [4]), (1, [5, 2], [2, 2]), (0, [5, 1], [1])])
        sorted.sortIntoCanonicalOrder()
        for other in [inOrder, sorted] {
            var g = Self.group([(0, [5, 0], [9])])
            g.append(contentsOf: other, entries: 1..<3)
            g.append(contentsOf: other, entries: 3..<3)
            #expect(Self.contents(g) == ["0:[5, 0]:[9]", "1:[5, 2]:[2, 2]", "1:[5, 3]:[]"])
            #expect(g.byteCount == 8 + 3 + 8 + 4 + 8 + 2)
            g.append(stateIndex: 3, key: [5, 5], value: [5])
            #expect(Self.contents(g).last == "3:[5, 5]:[5]")
        }
        // An entry no canonical stream can carry stays marked where it lands.
        let bad = Self.group([(0, [5, 1], [1]), (1, [], [2])])
        var g = Self.group([(0, [5, 0], [9])])
        g.append(contentsOf: bad, entries: 0..<2)
        #expect(g.firstUnwritable == 2)
    }

    @Test func groupedByStateMeansOneRunPerState() {
        #expect(Self.group([(2, [5, 9], []), (2, [5, 1], []), (0, [5, 3], []), (1, [5, 0], [])]).isGroupedByState)
        #expect(!Self.group([(0, [5, 1], []), (1, [5, 2], []), (0, [5, 3], [])]).isGroupedByState)
        #expect(RawKeyGroup().isGroupedByState)
    }

    @Test func resetKeepsNothingButCapacity() {
        var g = Self.group([(0, [5, 1], [1, 2, 3])])
        g.reset(keyGroup: 9)
        #expect(g.isEmpty && g.byteCount == 0 && g.keyGroup == 9)
        g.append(stateIndex: 1, key: [9], value: [])
        #expect(Self.contents(g) == ["1:[9]:[]"])
    }

    @Test func forEachLendsEveryEntryInSlotOrder() {
        let g = Self.group([(1, [5, 1], [7]), (0, [5, 2], [])])
        var seen: [String] = []
        g.forEach { s, k, v in seen.append("\(s):\(Array(k)):\(Array(v))") }
        #expect(seen == ["1:[5, 1]:[7]", "0:[5, 2]:[]"])
    }
}
