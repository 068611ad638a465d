import Testing
@testable import Bytes

@Suite struct CRC32CTests {
    /// The standard CRC-32C check value.
    @Test func checkValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    /// RFC 3720 (iSCSI) B.4 vectors: 32 zero bytes and 32 0xFF bytes.
    @Test func iscsiVectors() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
    }

    /// Extending a CRC with `initial` equals one pass over the concatenation.
    @Test func incrementalEqualsWhole() {
        let a = Array("key group ".utf8), b = Array("range".utf8)
        let first = CRC32C.checksum(a)
        let both = b.withUnsafeBytes { CRC32C.checksum($0, initial: first) }
        #expect(both == CRC32C.checksum(a + b))
    }
}

extension CRC32CTests {
    /// The bit-by-bit definition (reflected polynomial 0x82F63B78), independent of any table.
    static func bitwise(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    /// The eight-bytes-at-a-time path and its byte tail agree with the definition at every length
    /// and every alignment of the start.
    @Test func slicedEqualsBitwiseAtEveryLengthAndAlignment() {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<200).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for start in 0..<8 {
            for length in 0...(bytes.count - start - 8) {
                let slice = bytes[start..<(start + length)]
                let sliced = slice.withUnsafeBytes { CRC32C.checksum($0) }
                #expect(sliced == Self.bitwise(slice), "start \(start), length \(length)")
            }
        }
    }
}
