import Testing
@testable import CanonicalFormat

/// Where a block ends among a stream's recorded offsets: the first greater offset (binary search;
/// a linear scan per key group made a 32768-key-group stream quadratic).
@Suite struct SortedOffsetsTests {
    @Test func firstGreaterMatchesALinearScan() {
        let offsets = [3, 3, 10, 17, 17, 40, 1000]
        for value in -1...1001 {
            #expect(offsets.firstGreater(than: value) == offsets.first { $0 > value }, "value \(value)")
        }
        #expect([Int]().firstGreater(than: 0) == nil)
    }

    @Test func manyOffsetsStayFast() {
        let offsets = Array(stride(from: 0, to: 32768 * 64, by: 64))
        var total = 0
        for o in offsets { total += offsets.firstGreater(than: o) ?? 0 }
        #expect(total == offsets.dropFirst().reduce(0, +))
    }
}
