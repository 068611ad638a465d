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
