/// XXH3-64 with seed 0 and the default secret: what RocksDB's `kXXH3` block checksum takes the
/// low 32 bits of. Every length class of the spec is here: 0, 1–3, 4–8, 9–16, 17–128, 129–240
/// and the striped long-input loop.
extension XXHash {
    /// The default 192-byte secret (`kSecret` in the xxHash specification).
    static let secret: [UInt8] = [
        0xB8, 0xFE, 0x6C, 0x39, 0x23, 0xA4, 0x4B, 0xBE, 0x7C, 0x01, 0x81, 0x2C, 0xF7, 0x21, 0xAD, 0x1C,
        0xDE, 0xD4, 0x6D, 0xE9, 0x83, 0x90, 0x97, 0xDB, 0x72, 0x40, 0xA4, 0xA4, 0xB7, 0xB3, 0x67, 0x1F,
        0xCB, 0x79, 0xE6, 0x4E, 0xCC, 0xC0, 0xE5, 0x78, 0x82, 0x5A, 0xD0, 0x7D, 0xCC, 0xFF, 0x72, 0x21,
        0xB8, 0x08, 0x46, 0x74, 0xF7, 0x43, 0x24, 0x8E, 0xE0, 0x35, 0x90, 0xE6, 0x81, 0x3A, 0x26, 0x4C,
        0x3C, 0x28, 0x52, 0xBB, 0x91, 0xC3, 0x00, 0xCB, 0x88, 0xD0, 0x65, 0x8B, 0x1B, 0x53, 0x2E, 0xA3,
        0x71, 0x64, 0x48, 0x97, 0xA2, 0x0D, 0xF9, 0x4E, 0x38, 0x19, 0xEF, 0x46, 0xA9, 0xDE, 0xAC, 0xD8,
        0xA8, 0xFA, 0x76, 0x3F, 0xE3, 0x9C, 0x34, 0x3F, 0xF9, 0xDC, 0xBB, 0xC7, 0xC7, 0x0B, 0x4F, 0x1D,
        0x8A, 0x51, 0xE0, 0x4B, 0xCD, 0xB4, 0x59, 0x31, 0xC8, 0x9F, 0x7E, 0xC9, 0xD9, 0x78, 0x73, 0x64,
        0xEA, 0xC5, 0xAC, 0x83, 0x34, 0xD3, 0xEB, 0xC3, 0xC5, 0x81, 0xA0, 0xFF, 0xFA, 0x13, 0x63, 0xEB,
        0x17, 0x0D, 0xDD, 0x51, 0xB7, 0xF0, 0xDA, 0x49, 0xD3, 0x16, 0x55, 0x26, 0x29, 0xD4, 0x68, 0x9E,
        0x2B, 0x16, 0xBE, 0x58, 0x7D, 0x47, 0xA1, 0xFC, 0x8F, 0xF8, 0xB8, 0xD1, 0x7A, 0xD0, 0x31, 0xCE,
        0x45, 0xCB, 0x3A, 0x8F, 0x95, 0x16, 0x04, 0x28, 0xAF, 0xD7, 0xFB, 0xCA, 0xBB, 0x4B, 0x40, 0x7E,
    ]
    static let stripeLength = 64
    static let secretConsumeRate = 8
    static let accumulatorCount = 8
    /// The 129–240 tail reads the secret as if it had its minimum size of 136 bytes.
    static let secretSizeMin = 136

    public static func xxh3_64(_ data: [UInt8]) -> UInt64 {
        data.withUnsafeBytes { xxh3_64($0) }
    }

    public static func xxh3_64(_ data: UnsafeRawBufferPointer) -> UInt64 {
        secret.withUnsafeBytes { s in
            let n = data.count
            switch n {
            case 0: return avalanche64(s.le64(56) ^ s.le64(64))
            case 1...3: return length1to3(data, s)
            case 4...8: return length4to8(data, s)
            case 9...16: return length9to16(data, s)
            case 17...128: return length17to128(data, s)
            case 129...240: return length129to240(data, s)
            default: return long(data, s)
            }
        }
    }

    // MARK: short inputs

    private static func length1to3(_ p: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> UInt64 {
        let n = p.count
        let combined = UInt32(p[0]) << 16 | UInt32(p[n >> 1]) << 24 | UInt32(p[n - 1]) | UInt32(n) << 8
        let flip = UInt64(s.le32(0) ^ s.le32(4))
        return avalanche64(UInt64(combined) ^ flip)
    }

    private static func length4to8(_ p: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> UInt64 {
        let n = p.count
        let input = UInt64(p.le32(n - 4)) | UInt64(p.le32(0)) << 32
        return rrmxmx(input ^ (s.le64(8) ^ s.le64(16)), length: UInt64(n))
    }

    private static func length9to16(_ p: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> UInt64 {
        let n = p.count
        let lo = p.le64(0) ^ (s.le64(24) ^ s.le64(32))
        let hi = p.le64(n - 8) ^ (s.le64(40) ^ s.le64(48))
        let acc = UInt64(n) &+ lo.byteSwapped &+ hi &+ mulFold(lo, hi)
        return avalanche3(acc)
    }

    @inline(__always)
    private static func mix16(_ p: UnsafeRawBufferPointer, _ at: Int, _ s: UnsafeRawBufferPointer, _ sAt: Int) -> UInt64 {
        mulFold(p.le64(at) ^ s.le64(sAt), p.le64(at + 8) ^ s.le64(sAt + 8))
    }

    private static func length17to128(_ p: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> UInt64 {
        let n = p.count
        var acc = UInt64(n) &* p64_1
        if n > 32 {
            if n > 64 {
                if n > 96 {
                    acc = acc &+ mix16(p, 48, s, 96) &+ mix16(p, n - 64, s, 112)
                }
                acc = acc &+ mix16(p, 32, s, 64) &+ mix16(p, n - 48, s, 80)
            }
            acc = acc &+ mix16(p, 16, s, 32) &+ mix16(p, n - 32, s, 48)
        }
        acc = acc &+ mix16(p, 0, s, 0) &+ mix16(p, n - 16, s, 16)
        return avalanche3(acc)
    }

    private static func length129to240(_ p: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> UInt64 {
        let n = p.count
        var acc = UInt64(n) &* p64_1
        for i in 0..<8 { acc = acc &+ mix16(p, 16 * i, s, 16 * i) }
        acc = avalanche3(acc)
        for i in 8..<(n / 16) { acc = acc &+ mix16(p, 16 * i, s, 16 * (i - 8) + 3) }
        acc = acc &+ mix16(p, n - 16, s, secretSizeMin - 17)
        return avalanche3(acc)
    }

    // MARK: long inputs

    /// The striped loop on eight 64-bit lanes at a time (`SIMD8`, which the compiler lowers to
    /// vector registers: the 32×32→64 multiplies become `pmuludq`), as xxHash's own vector
    /// paths do; the result is the scalar specification's. RocksDB checksums every block with it.
    private static func long(_ p: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> UInt64 {
        let n = p.count
        var acc = SIMD8<UInt64>(UInt64(p32_3), p64_1, p64_2, p64_3, p64_4, UInt64(p32_2), p64_5, UInt64(p32_1))
        let stripesPerBlock = (s.count - stripeLength) / secretConsumeRate
        let blockLength = stripeLength * stripesPerBlock
        let blocks = (n - 1) / blockLength
        // n > 240 and the secret's 192 bytes: every load below lies inside its buffer.
        let input = p.baseAddress!, secret = s.baseAddress!
        for b in 0..<blocks {
            for st in 0..<stripesPerBlock {
                accumulate(&acc, input + (b * blockLength + st * stripeLength), secret + st * secretConsumeRate)
            }
            let a = acc ^ (acc &>> 47) ^ lanes(secret + (s.count - stripeLength))
            acc = a &* UInt64(p32_1)
        }
        let stripes = ((n - 1) - blockLength * blocks) / stripeLength
        for st in 0..<stripes {
            accumulate(&acc, input + (blocks * blockLength + st * stripeLength), secret + st * secretConsumeRate)
        }
        accumulate(&acc, input + (n - stripeLength), secret + (s.count - stripeLength - 7))
        var result = UInt64(n) &* p64_1
        for i in 0..<4 {
            result = result &+ mulFold(acc[2 * i] ^ s.le64(11 + 16 * i), acc[2 * i + 1] ^ s.le64(11 + 16 * i + 8))
        }
        return avalanche3(result)
    }

    /// One 64-byte stripe: each lane adds its neighbour's input word and the product of the low
    /// and high halves of its input word xor the secret's.
    @inline(__always)
    private static func accumulate(_ acc: inout SIMD8<UInt64>, _ p: UnsafeRawPointer, _ s: UnsafeRawPointer) {
        let value = lanes(p)
        let key = value ^ lanes(s)
        acc &+= SIMD8(value[1], value[0], value[3], value[2], value[5], value[4], value[7], value[6])
        acc &+= (key & 0xFFFF_FFFF) &* (key &>> 32)
    }

    /// Eight little-endian 64-bit words.
    @inline(__always)
    private static func lanes(_ p: UnsafeRawPointer) -> SIMD8<UInt64> {
        let v = p.loadUnaligned(as: SIMD8<UInt64>.self)
        #if _endian(big)
        return SIMD8(v[0].byteSwapped, v[1].byteSwapped, v[2].byteSwapped, v[3].byteSwapped,
                     v[4].byteSwapped, v[5].byteSwapped, v[6].byteSwapped, v[7].byteSwapped)
        #else
        return v
        #endif
    }

    // MARK: mixers

    @inline(__always)
    static func mulFold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.low ^ product.high
    }

    static func avalanche3(_ h: UInt64) -> UInt64 {
        var h = h
        h ^= h >> 37
        h = h &* 0x1656_6791_9E37_79F9
        h ^= h >> 32
        return h
    }

    static func rrmxmx(_ h: UInt64, length: UInt64) -> UInt64 {
        var h = h
        h ^= h.rotl(49) ^ h.rotl(24)
        h = h &* 0x9FB2_1C65_1E98_DF25
        h ^= (h >> 35) &+ length
        h = h &* 0x9FB2_1C65_1E98_DF25
        h ^= h >> 28
        return h
    }
}
