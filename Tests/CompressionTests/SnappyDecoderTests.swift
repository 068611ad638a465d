import Bytes
import Testing
@testable import Compression

/// `SnappyDecoder` (through `Snappy.decompress`) against libsnappy's own `snappy_uncompress`: the
/// same output for whatever libsnappy compresses, the same verdict and output on damaged blocks.
@Suite struct SnappyDecoderTests {
    static func libsnappy(_ block: [UInt8]) -> [UInt8]? { Snappy.libsnappyDecompress(block, limit: 1 << 24) }

    static func ours(_ block: [UInt8]) -> [UInt8]? { try? Snappy.decompress(block, limit: 1 << 24) }

    /// Inputs that make libsnappy's compressor emit every element: literals of every length class
    /// (to 1, 2, 3 and 4 length bytes), copies with 1-, 2- and 4-byte offsets, and overlapping
    /// copies of short periods.
    static let inputs: [(String, [UInt8])] = {
        var out: [(String, [UInt8])] = [("empty", []), ("one byte", [7])]
        for n in [1, 15, 16, 17, 59, 60, 61, 64, 65, 69, 70, 71, 255, 256, 257, 4096, 70_000] {
            out.append(("noise \(n)", TestData.noise(n)))
        }
        for n in [10, 100, 4000, 66_000] { out.append(("text \(n)", TestData.text(n))) }
        for period in 1...17 {
            let unit = TestData.noise(period, seed: UInt64(period))
            out.append(("period \(period)", (0..<(300 + period)).map { unit[$0 % period] }))
        }
        // Noise repeated 70,000 bytes later: an offset that needs four bytes.
        let far = TestData.noise(80_000, seed: 3)
        out.append(("far copy", far + TestData.text(1000) + Array(far.prefix(5000))))
        // Blocks like a data block: keys sharing prefixes, values of varying noise.
        var entries: [UInt8] = []
        for i in 0..<2000 {
            entries += Array("key-\(100_000 + i * 13)".utf8) + [0, 0, 0, UInt8(i % 7)] + TestData.noise(i % 40, seed: UInt64(i + 1))
        }
        out.append(("entries", entries))
        return out
    }()

    @Test func decodesWhatLibsnappyCompresses() throws {
        for (name, input) in Self.inputs {
            let compressed = Snappy.compress(input)
            #expect(Self.libsnappy(compressed) == input, "\(name)")
            #expect(Self.ours(compressed) == input, "\(name)")
        }
    }

    /// One buffer reused for block after block (a walk over a table's data blocks): each block's
    /// bytes are its prefix, whatever the blocks before left after them; it grows when needed.
    @Test func decodesIntoAReusedBuffer() throws {
        var buffer: [UInt8] = []
        for (name, input) in Self.inputs.reversed() + Self.inputs {
            let compressed = Snappy.compress(input)
            let length = try compressed.withUnsafeBytes { try Snappy.decompress($0, limit: 1 << 24, into: &buffer) }
            #expect(length == input.count && Array(buffer.prefix(length)) == input, "\(name)")
            #expect(buffer.count >= length + SnappyDecoder.slack)
        }
        var damaged = Snappy.compress(TestData.text(1000))
        damaged.removeLast()
        #expect(throws: FormatError.self) { try damaged.withUnsafeBytes { try Snappy.decompress($0, limit: 1 << 24, into: &buffer) } }
    }

    /// Copies written by hand: every offset from 1 to 20 with every length from 1 to 64 (2-byte
    /// offsets), after a literal of 20 bytes, then a literal of 120 bytes so that the copy is
    /// decoded by the fast loop or, without it, by the checked one.
    @Test func overlappingCopiesRepeatTheirPeriod() throws {
        let literal = TestData.noise(20, seed: 11)
        for offset in 1...20 {
            for len in 1...64 {
                for padded in [false, true] {
                    var block: [UInt8] = []
                    var expected = literal
                    for i in 0..<len { expected.append(expected[expected.count - offset]) }
                    let tail = padded ? TestData.noise(120, seed: 5) : []
                    expected += tail
                    block.append(contentsOf: varint(expected.count))
                    block.append(UInt8(literal.count - 1) << 2)
                    block += literal
                    block += [UInt8(len - 1) << 2 | 2, UInt8(offset), 0]
                    if padded { block += [60 << 2, UInt8(tail.count - 1)] + tail }  // a literal with one length byte
                    #expect(Self.libsnappy(block) == expected, "offset \(offset) length \(len)")
                    #expect(Self.ours(block) == expected, "offset \(offset) length \(len)")
                }
            }
        }
    }

    /// Every byte of compressed blocks changed (to three values) and every cut: libsnappy and the
    /// decoder accept the same blocks, with the same output.
    @Test func damagedBlocksAreJudgedAsLibsnappyJudgesThem() throws {
        var refused = 0, accepted = 0
        for (name, input) in Self.inputs where input.count <= 4096 {
            let compressed = Snappy.compress(input)
            var variants: [[UInt8]] = (0...compressed.count).map { Array(compressed.prefix($0)) }
            variants.append(compressed + [0])
            variants.append(compressed + [0x04, 0x41])
            for i in compressed.indices {
                for value: UInt8 in [0x00, 0xFF, compressed[i] ^ 0x04] where value != compressed[i] {
                    var damaged = compressed
                    damaged[i] = value
                    variants.append(damaged)
                }
            }
            for variant in variants {
                let theirs = Self.libsnappy(variant)
                #expect(Self.ours(variant) == theirs, "\(name): \(variant.count) bytes")
                if theirs == nil { refused += 1 } else { accepted += 1 }
            }
        }
        // Both verdicts are exercised (a changed literal byte is still a valid block).
        #expect(refused > 1000 && accepted > 1000)
    }

    /// Elements that are malformed in every place they can be: offset 0, an offset past what is
    /// written, output past the declared length, an element cut short, a long literal's length
    /// bytes cut short.
    @Test func malformedElementsAreRefused() throws {
        let cases: [[UInt8]] = [
            [4, 0b01, 0],                      // copy from offset 0 first
            [8, 0, 0x41, 0b1101, 0],           // one byte written, then a copy with offset 0
            [8, 0, 0x41, 0b1101, 2],           // offset 2 after one byte
            [1, 4, 0x41, 0x42],                // a 2-byte literal into a 1-byte block
            [2, 4, 0x41],                      // a literal cut short
            [3, 0xF0],                         // a long literal without its length byte
            [3, 0xF4, 2],                      // its two length bytes cut short
            [4, 0, 0x41, 0b10],                // a 2-byte-offset copy cut short
            [4, 0, 0x41, 0b11, 1, 0, 0],       // a 4-byte-offset copy cut short
            [0x80],                            // a header cut short
            [0xFF, 0xFF, 0xFF, 0xFF, 0x1F],    // a header over 32 bits
        ]
        for block in cases {
            #expect(Self.libsnappy(block) == nil, "\(block)")
            #expect(Self.ours(block) == nil, "\(block)")
        }
    }

    private func varint(_ value: Int) -> [UInt8] {
        var v = value, out: [UInt8] = []
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        out.append(UInt8(v))
        return out
    }
}
