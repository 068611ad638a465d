/// The xxHash family (Yann Collet's xxHash, spec `doc/xxhash_spec.md`) as RocksDB uses it for block
/// checksums: `kxxHash` = XXH32, `kxxHash64` = XXH64, `kXXH3` = XXH3-64 (Flink 2.x's default).
/// RocksDB always hashes with seed 0 and the default secret, so XXH3 here is the seedless variant.
public enum XXHash {
    // MARK: XXH32

    static let p32_1: UInt32 = 0x9E37_79B1, p32_2: UInt32 = 0x85EB_CA77, p32_3: UInt32 = 0xC2B2_AE3D
    static let p32_4: UInt32 = 0x27D4_EB2F, p32_5: UInt32 = 0x1656_67B1

    public static func xxh32(_ data: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        let n = data.count
        var i = 0
        var h: UInt32
        if n >= 16 {
            var v = (seed &+ p32_1 &+ p32_2, seed &+ p32_2, seed, seed &- p32_1)
            func round(_ acc: UInt32, _ lane: UInt32) -> UInt32 {
                (acc &+ lane &* p32_2).rotl(13) &* p32_1
            }
            while i + 16 <= n {
                v.0 = round(v.0, data.le32(i)); v.1 = round(v.1, data.le32(i + 4))
                v.2 = round(v.2, data.le32(i + 8)); v.3 = round(v.3, data.le32(i + 12))
                i += 16
            }
            h = v.0.rotl(1) &+ v.1.rotl(7) &+ v.2.rotl(12) &+ v.3.rotl(18)
        } else {
            h = seed &+ p32_5
        }
        h = h &+ UInt32(truncatingIfNeeded: n)
        while i + 4 <= n {
            h = (h &+ data.le32(i) &* p32_3).rotl(17) &* p32_4
            i += 4
        }
        while i < n {
            h = (h &+ UInt32(data[i]) &* p32_5).rotl(11) &* p32_1
            i += 1
        }
        h ^= h >> 15; h = h &* p32_2
        h ^= h >> 13; h = h &* p32_3
        h ^= h >> 16
        return h
    }

    // MARK: XXH64

    static let p64_1: UInt64 = 0x9E37_79B1_85EB_CA87, p64_2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let p64_3: UInt64 = 0x1656_67B1_9E37_79F9, p64_4: UInt64 = 0x85EB_CA77_C2B2_AE63
    static let p64_5: UInt64 = 0x27D4_EB2F_1656_67C5

    @inline(__always) static func round64(_ acc: UInt64, _ lane: UInt64) -> UInt64 {
        (acc &+ lane &* p64_2).rotl(31) &* p64_1
    }

    @inline(__always) static func mergeRound64(_ h: UInt64, _ v: UInt64) -> UInt64 {
        (h ^ round64(0, v)) &* p64_1 &+ p64_4
    }

    static func avalanche64(_ h: UInt64) -> UInt64 {
        var h = h
        h ^= h >> 33; h = h &* p64_2
        h ^= h >> 29; h = h &* p64_3
        h ^= h >> 32
        return h
    }

    public static func xxh64(_ data: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let n = data.count
        var i = 0
        var h: UInt64
        if n >= 32 {
            var v = (seed &+ p64_1 &+ p64_2, seed &+ p64_2, seed, seed &- p64_1)
            while i + 32 <= n {
                v.0 = round64(v.0, data.le64(i)); v.1 = round64(v.1, data.le64(i + 8))
                v.2 = round64(v.2, data.le64(i + 16)); v.3 = round64(v.3, data.le64(i + 24))
                i += 32
            }
            h = v.0.rotl(1) &+ v.1.rotl(7) &+ v.2.rotl(12) &+ v.3.rotl(18)
            h = mergeRound64(h, v.0); h = mergeRound64(h, v.1)
            h = mergeRound64(h, v.2); h = mergeRound64(h, v.3)
        } else {
            h = seed &+ p64_5
        }
        h = h &+ UInt64(n)
        while i + 8 <= n {
            h = (h ^ round64(0, data.le64(i))).rotl(27) &* p64_1 &+ p64_4
            i += 8
        }
        if i + 4 <= n {
            h = (h ^ UInt64(data.le32(i)) &* p64_1).rotl(23) &* p64_2 &+ p64_3
            i += 4
        }
        while i < n {
            h = (h ^ UInt64(data[i]) &* p64_5).rotl(11) &* p64_1
            i += 1
        }
        return avalanche64(h)
    }

    public static func xxh64(_ data: [UInt8], seed: UInt64 = 0) -> UInt64 {
        data.withUnsafeBytes { xxh64($0, seed: seed) }
    }

    public static func xxh32(_ data: [UInt8], seed: UInt32 = 0) -> UInt32 {
        data.withUnsafeBytes { xxh32($0, seed: seed) }
    }
}

// MARK: little-endian helpers

extension UnsafeRawBufferPointer {
    @inline(__always) func le32(_ i: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: i, as: UInt32.self))
    }
    @inline(__always) func le64(_ i: Int) -> UInt64 {
        UInt64(littleEndian: loadUnaligned(fromByteOffset: i, as: UInt64.self))
    }
}

extension UInt32 {
    @inline(__always) func rotl(_ r: UInt32) -> UInt32 { (self << r) | (self >> (32 - r)) }
}

extension UInt64 {
    @inline(__always) func rotl(_ r: UInt64) -> UInt64 { (self << r) | (self >> (64 - r)) }
}
