import Testing
@testable import Bytes

@Suite struct LEB128Tests {
    /// `LEB128.uint32` reads what `ByteReader.readVarUInt32` reads, and declines where it throws,
    /// with `i` after the varint: one-byte values (the inline path), every length to five bytes,
    /// values past 32 bits, and varints cut short by `end`.
    @Test func readsAsTheByteReader() throws {
        var cases: [[UInt8]] = (0...0xFF).map { [UInt8($0)] }
        for value: UInt64 in [0x7F, 0x80, 0x3FFF, 0x4000, 0x1F_FFFF, 0x20_0000, 0xFFF_FFFF, 0x1000_0000, 0xFFFF_FFFF, 0x1_0000_0000] {
            var bytes: [UInt8] = []
            var v = value
            repeat {
                bytes.append(UInt8(v & 0x7F) | (v >= 0x80 ? 0x80 : 0))
                v >>= 7
            } while v != 0
            cases.append(bytes)
            cases.append(Array(bytes.dropLast()))
        }
        cases += [[0x80, 0x80, 0x80, 0x80, 0x10], [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]]
        for bytes in cases {
            for start in 0...1 {
                let padded = [UInt8](repeating: 0x55, count: start) + bytes + [0xAA]
                // The reader ends where `end` does; the byte after it must not be read.
                var reader = ByteReader(Array(padded[..<(start + bytes.count)]))
                try reader.seek(to: start)
                let expected = try? reader.readVarUInt32()
                var i = start
                let got = padded.withUnsafeBufferPointer { LEB128.uint32($0.baseAddress!, at: &i, end: start + bytes.count) }
                #expect(got == expected, "\(bytes)")
                if expected != nil { #expect(i == reader.index, "\(bytes)") }
            }
        }
    }
}
