/// A fast, seeded 64-bit hash of short byte strings built on the folded 128-bit multiply (the
/// construction of wyhash): what conversion digests compute for every keyed state entry, whose
/// keys and values are mostly under 32 bytes. There XXH3's length dispatch and secret loads cost
/// more than the hashing; this is a handful of multiplies, inlined into the caller's loop.
///
/// Not a format: its values are never stored, only compared within one run (input against
/// output), so it can change freely. Not for adversarial input (it detects corruption, it does
/// not authenticate).
public enum FoldHash {
    @usableFromInline static let k0: UInt64 = 0xA076_1D64_78BD_642F
    @usableFromInline static let k1: UInt64 = 0xE703_7ED1_A0B4_28DB
    @usableFromInline static let k2: UInt64 = 0x8EBC_6AF0_9C88_C6E3

    /// The high and low halves of the full product, folded: every input bit reaches most output bits.
    @inlinable @inline(__always)
    static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let p = a.multipliedFullWidth(by: b)
        return p.high ^ p.low
    }

    @inlinable @inline(__always)
    static func load64(_ p: UnsafeRawPointer, _ at: Int) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    @inlinable @inline(__always)
    static func load32(_ p: UnsafeRawPointer, _ at: Int) -> UInt64 {
        UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
    }

    /// The hash of `bytes` under `seed`. Chaining (`hash(b, seed: hash(a, seed: s))`) hashes a
    /// pair in which moving a byte from one to the other changes the result (lengths are mixed in).
    @inlinable @inline(__always)
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let n = bytes.count
        var h = seed ^ fold(seed ^ k0, UInt64(truncatingIfNeeded: n) ^ k1)
        guard let p = bytes.baseAddress, n > 0 else { return fold(h ^ k2, k1) }
        var i = 0
        while n - i > 16 {
            h = fold(load64(p, i) ^ k1, load64(p, i + 8) ^ h)
            i += 16
        }
        // The last 1–16 bytes, read as two (possibly overlapping) words.
        let a: UInt64, b: UInt64
        let rest = n - i
        if rest > 8 {
            a = load64(p, i)
            b = load64(p, n - 8)
        } else if rest >= 4 {
            a = load32(p, i)
            b = load32(p, n - 4)
        } else {
            let q = p.assumingMemoryBound(to: UInt8.self)
            a = UInt64(q[i]) << 16 | UInt64(q[i + rest >> 1]) << 8 | UInt64(q[n - 1])
            b = 0
        }
        return fold(k1 ^ UInt64(truncatingIfNeeded: n), fold(a ^ k1, b ^ h))
    }

    public static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { hash($0, seed: seed) }
    }
}
