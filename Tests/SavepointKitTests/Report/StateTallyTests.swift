@testable import SavepointKit
import Testing

/// The largest entries of a state do not depend on the order entries are tallied in (a canonical
/// stream is tallied as stored, unsorted): ties in size go to the lower key group, then the lower key.
@Suite struct StateTallyTests {
    /// (key group, key after a 1-byte prefix, value size): several of equal size across key groups.
    static let entries: [(Int, [UInt8], Int)] = [
        (3, [9], 5), (1, [7], 5), (1, [2], 5), (2, [1], 9), (0, [8], 5), (3, [1], 2), (1, [5], 5), (0, [9], 1),
    ]

    static func largest(_ order: [(Int, [UInt8], Int)], top: Int) -> [(Int, [UInt8])] {
        var tally = StateTally(isList: false, top: top, keyGroups: 0..<4, subtasks: 1)
        for (kg, key, size) in order {
            let value = [UInt8](repeating: 0, count: size)
            key.withUnsafeBufferPointer { k in
                value.withUnsafeBufferPointer { v in tally.add(keyGroup: kg, subtask: 0, prefixBytes: 1, keyAfterPrefix: k, value: v) }
            }
        }
        #expect(tally.entries == Int64(order.count))
        #expect(tally.keyBytes == Int64(order.count * 2))
        return tally.largest.sorted { $0.ranks(above: $1) }.map { ($0.keyGroup, $0.key) }
    }

    @Test func largestAreTheSameInEveryOrder() {
        let expected: [(Int, [UInt8])] = [(2, [2, 1]), (0, [0, 8]), (1, [1, 2]), (1, [1, 5])]
        for order in [Self.entries, Self.entries.reversed(), Self.entries.sorted { $0.1.lexicographicallyPrecedes($1.1) }] {
            let got = Self.largest(order, top: 4)
            #expect(got.map(\.0) == expected.map(\.0))
            #expect(got.map(\.1) == expected.map(\.1))
        }
    }
}
