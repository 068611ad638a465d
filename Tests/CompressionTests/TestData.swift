/// Deterministic test inputs: compressible text and incompressible pseudo-random bytes.
enum TestData {
    static func text(_ count: Int) -> [UInt8] {
        let words = Array("the key group of a savepoint holds state for many keys ".utf8)
        return (0..<count).map { words[$0 % words.count] }
    }

    /// xorshift64 noise: Snappy cannot shrink it below the 0.85 ratio.
    static func noise(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
        var x = seed
        return (0..<count).map { _ in
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return UInt8(truncatingIfNeeded: x)
        }
    }
}
