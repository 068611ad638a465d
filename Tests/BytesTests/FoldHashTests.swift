import Testing
@testable import Bytes

@Suite struct FoldHashTests {
    /// Pseudo-random bytes (xorshift), the same every run.
    static func bytes(_ n: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
        var x = seed
        return (0..<n).map { _ in
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return UInt8(truncatingIfNeeded: x)
        }
    }

    /// Every prefix length of one buffer (each tail path: 0, 1–3, 4–8, 9–16, the 16-byte loop)
    /// and every single-bit flip of each gives a distinct hash.
    @Test func prefixesAndBitFlipsAllDiffer() {
        let data = Self.bytes(70)
        var seen = Set<UInt64>()
        var count = 0
        for n in 0...data.count {
            let base = Array(data[0..<n])
            seen.insert(FoldHash.hash(base)); count += 1
            for bit in 0..<(n * 8) {
                var flipped = base
                flipped[bit / 8] ^= 1 << UInt8(bit % 8)
                seen.insert(FoldHash.hash(flipped)); count += 1
            }
        }
        #expect(seen.count == count)
    }

    /// Trailing zero bytes change the hash (the length is mixed in), and so does the seed.
    @Test func lengthAndSeedMatter() {
        for n in 0..<40 {
            let a = [UInt8](repeating: 0, count: n), b = [UInt8](repeating: 0, count: n + 1)
            #expect(FoldHash.hash(a) != FoldHash.hash(b))
            #expect(FoldHash.hash(a, seed: 1) != FoldHash.hash(a, seed: 2))
        }
    }

    /// Chained over a pair, moving the split point changes the result: what the entry digest relies on.
    @Test func chainedPairsDependOnTheSplit() {
        let data = Self.bytes(40)
        var seen = Set<UInt64>()
        for split in 0...data.count {
            let first = FoldHash.hash(Array(data[..<split]), seed: 7)
            seen.insert(FoldHash.hash(Array(data[split...]), seed: first))
        }
        #expect(seen.count == data.count + 1)
    }

    /// The same bytes at any alignment hash alike (loads are unaligned).
    @Test func alignmentDoesNotMatter() {
        let data = Self.bytes(64)
        let expected = FoldHash.hash(Array(data[0..<33]))
        for shift in 1..<9 {
            var padded = [UInt8](repeating: 0xEE, count: shift) + data[0..<33]
            padded.withUnsafeMutableBytes { raw in
                #expect(FoldHash.hash(UnsafeRawBufferPointer(rebasing: raw[shift...]), seed: 0) == expected)
            }
        }
    }
}
