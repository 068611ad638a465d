/// Flink's key-group assignment (`KeyGroupRangeAssignment`, `MathUtils.murmurHash`) and
/// operator ids (Guava `murmur3_128` of the uid, `StreamGraphHasherV2`).
public enum FlinkHashing {
    /// `MathUtils.murmurHash(int)`: one-block murmur3_32 of the Java hash code, made non-negative.
    /// Always inlined: once per key of a deep validation, a call kept its chain of multiplies
    /// from overlapping the next entry's work.
    @inlinable @inline(__always)
    public static func murmurHash(_ code: Int32) -> Int32 {
        var c = UInt32(bitPattern: code) &* 0xCC9E_2D51
        c = (c << 15) | (c >> 17)
        c = c &* 0x1B87_3593
        var h = c
        h = (h << 13) | (h >> 19)
        h = h &* 5 &+ 0xE654_6B64
        h ^= 4
        h ^= h >> 16
        h = h &* 0x85EB_CA6B
        h ^= h >> 13
        h = h &* 0xC2B2_AE35
        h ^= h >> 16
        let s = Int32(bitPattern: h)
        return s >= 0 ? s : (s != Int32.min ? -s : 0)
    }

    /// The key group of a key whose Java `hashCode()` is `hashCode`.
    @inlinable
    public static func keyGroup(forHashCode hashCode: Int32, maxParallelism: Int) -> Int {
        Int(murmurHash(hashCode)) % maxParallelism
    }

    /// Java `String.hashCode()` over UTF-16 units.
    public static func javaHashCode(_ s: String) -> Int32 {
        var h: Int32 = 0
        for u in s.utf16 { h = h &* 31 &+ Int32(u) }
        return h
    }

    /// Java `Long.hashCode()`.
    public static func javaHashCode(_ v: Int64) -> Int32 {
        Int32(truncatingIfNeeded: v ^ Int64(bitPattern: UInt64(bitPattern: v) >> 32))
    }

    /// The first key group of operator subtask `index` (`computeKeyGroupRangeForOperatorIndex`).
    public static func keyGroupRange(maxParallelism: Int, parallelism: Int, index: Int) -> ClosedRange<Int> {
        let start = (index * maxParallelism + parallelism - 1) / parallelism
        let end = ((index + 1) * maxParallelism - 1) / parallelism
        return start...end
    }

    /// Bytes of the key-group prefix in a composite key.
    public static func keyGroupPrefixBytes(maxParallelism: Int) -> Int {
        maxParallelism > 128 ? 2 : 1
    }

    /// Guava `Hashing.murmur3_128(0)` over `data`: h1 then h2, each little-endian.
    public static func murmur3x64_128(_ data: [UInt8], seed: UInt32 = 0) -> [UInt8] {
        let c1: UInt64 = 0x87C3_7B91_1142_53D5
        let c2: UInt64 = 0x4CF5_AD43_2745_937F
        var h1 = UInt64(seed), h2 = UInt64(seed)
        func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }
        func fmix(_ k: UInt64) -> UInt64 {
            var k = k
            k ^= k >> 33; k = k &* 0xFF51_AFD7_ED55_8CCD
            k ^= k >> 33; k = k &* 0xC4CE_B9FE_1A85_EC53
            k ^= k >> 33
            return k
        }
        func le64(_ i: Int, _ n: Int) -> UInt64 {
            var v: UInt64 = 0
            for j in 0..<n { v |= UInt64(data[i + j]) << (8 * UInt64(j)) }
            return v
        }
        let blocks = data.count / 16
        for b in 0..<blocks {
            var k1 = le64(b * 16, 8), k2 = le64(b * 16 + 8, 8)
            k1 = k1 &* c1; k1 = rotl(k1, 31); k1 = k1 &* c2; h1 ^= k1
            h1 = rotl(h1, 27); h1 = h1 &+ h2; h1 = h1 &* 5 &+ 0x52DC_E729
            k2 = k2 &* c2; k2 = rotl(k2, 33); k2 = k2 &* c1; h2 ^= k2
            h2 = rotl(h2, 31); h2 = h2 &+ h1; h2 = h2 &* 5 &+ 0x3849_5AB5
        }
        let tail = blocks * 16, rest = data.count - tail
        if rest > 8 {
            var k2 = le64(tail + 8, rest - 8)
            k2 = k2 &* c2; k2 = rotl(k2, 33); k2 = k2 &* c1; h2 ^= k2
        }
        if rest > 0 {
            var k1 = le64(tail, min(rest, 8))
            k1 = k1 &* c1; k1 = rotl(k1, 31); k1 = k1 &* c2; h1 ^= k1
        }
        h1 ^= UInt64(data.count); h2 ^= UInt64(data.count)
        h1 = h1 &+ h2; h2 = h2 &+ h1
        h1 = fmix(h1); h2 = fmix(h2)
        h1 = h1 &+ h2; h2 = h2 &+ h1
        var out = [UInt8]()
        for h in [h1, h2] { for j in 0..<8 { out.append(UInt8((h >> (8 * UInt64(j))) & 0xFF)) } }
        return out
    }

    /// The operator id Flink derives from a uid.
    public static func operatorID(forUid uid: String) -> [UInt8] {
        murmur3x64_128(Array(uid.utf8))
    }
}

extension Array where Element == UInt8 {
    /// Lower-case hex, as Flink prints operator ids.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for b in self { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
