import Bytes
import Testing
@testable import Compression

@Suite struct SnappyFramingTests {
    /// crc32c("123456789") is the standard check value 0xE3069283.
    @Test func crc32cCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    /// The mask rotates right by 15 and adds 0xA282EAD8 (framing spec); derived here by hand.
    @Test func maskedChecksumOfKnownData() {
        let crc: UInt32 = 0xE306_9283
        let rotated = (crc >> 15) | (crc << 17)
        #expect(SnappyFraming.maskedChecksum(Array("123456789".utf8)) == rotated &+ 0xA282_EAD8)
        #expect(rotated == 0x2507_C60D)
    }

    @Test func streamStartsWithIdentifier() {
        var writer = SnappyFramedWriter()
        #expect(writer.finish() == [0xFF, 0x06, 0x00, 0x00, 0x73, 0x4E, 0x61, 0x50, 0x70, 0x59])
    }

    /// Compressible data: one type-0 chunk whose header carries payload+4 and the masked CRC.
    @Test func compressibleChunkLayout() throws {
        let input = TestData.text(1000)
        var writer = SnappyFramedWriter()
        writer.write(input)
        let out = writer.finish()
        let compressed = Snappy.compress(input)
        var r = ByteReader(out)
        try r.skip(10)
        #expect(try r.readU8() == 0x00)
        let length = Int(try r.readU8()) | Int(try r.readU8()) << 8 | Int(try r.readU8()) << 16
        #expect(length == compressed.count + 4)
        #expect(try r.readU32LE() == SnappyFraming.maskedChecksum(input))
        #expect(r.remainingBytes == compressed)
    }

    /// Incompressible data is stored raw (type 0x01) because the ratio exceeds 0.85.
    @Test func incompressibleChunkIsStoredRaw() throws {
        let input = TestData.noise(1000)
        var writer = SnappyFramedWriter()
        writer.write(input)
        let out = writer.finish()
        #expect(out[10] == 0x01)
        #expect(Array(out[11..<14]) == [0xEC, 0x03, 0x00])  // 1004 little-endian
        #expect(Array(out.suffix(1000)) == input)
    }

    /// Chunks hold at most 65536 raw bytes; a flush ends a chunk so offsets land on boundaries.
    @Test func chunkBoundariesFollowBlockSizeAndFlush() throws {
        var writer = SnappyFramedWriter()
        writer.write(TestData.text(65536 + 10))
        writer.flush()
        let offset = writer.count
        writer.write(TestData.text(7))
        writer.flush()
        writer.flush()  // nothing buffered: no empty chunk
        let out = writer.finish()
        var reader = try SnappyFramedReader(ByteReader(out))
        #expect(try reader.nextChunk()?.count == 65536)
        #expect(try reader.nextChunk()?.count == 10)
        #expect(reader.fileOffset == offset)
        #expect(try reader.nextChunk() == TestData.text(7))
        #expect(try reader.nextChunk() == nil)
    }

    /// A reader may start at a recorded offset (a chunk boundary, no identifier), as Flink's
    /// operator state reader does after seeking.
    @Test func readerStartsAtChunkBoundary() throws {
        var writer = SnappyFramedWriter()
        writer.write([1, 2, 3]); writer.flush()
        let offset = writer.count
        writer.write([4, 5]); writer.flush()
        let out = writer.finish()
        var reader = try SnappyFramedReader(
            try ByteReader(out).slice(from: offset), expectStreamIdentifier: false)
        #expect(try reader.readAll(limit: 10) == [4, 5])
    }

    @Test func roundTripMixedData() throws {
        var input = TestData.text(100_000)
        input += TestData.noise(70_000)
        var writer = SnappyFramedWriter()
        writer.write(input)
        let out = writer.finish()
        var reader = try SnappyFramedReader(ByteReader(out))
        #expect(try reader.readAll(limit: input.count) == input)
    }

    @Test func skippableAndRepeatedIdentifierChunksAreIgnored() throws {
        var writer = SnappyFramedWriter()
        writer.write([9, 9]); writer.flush()
        var out = writer.finish()
        let firstChunk = Array(out[10...])
        out = Array(out[..<10]) + [0xFE, 0x02, 0x00, 0x00, 0xAA, 0xBB] + [0x80, 0x00, 0x00, 0x00]
            + SnappyFraming.streamIdentifier + firstChunk
        var reader = try SnappyFramedReader(ByteReader(out))
        #expect(try reader.readAll(limit: 100) == [9, 9])
    }

    @Test func wrongIdentifierIsReported() throws {
        var bytes = SnappyFraming.streamIdentifier
        bytes[5] = 0x6E
        let error = #expect(throws: FormatError.self) { try SnappyFramedReader(ByteReader(bytes)) }
        #expect(error?.offset == 0)
    }

    @Test func reservedChunkTypeIsReportedAtItsOffset() throws {
        let bytes = SnappyFraming.streamIdentifier + [0x02, 0x00, 0x00, 0x00]
        var reader = try SnappyFramedReader(ByteReader(bytes))
        let error = #expect(throws: FormatError.self) { try reader.nextChunk() }
        #expect(error?.offset == 10)
    }

    @Test func badChecksumIsReportedUnlessVerificationIsOff() throws {
        var writer = SnappyFramedWriter()
        writer.write(TestData.text(300)); writer.flush()
        writer.write(TestData.text(200))
        var out = writer.finish()
        let secondChunk = 10 + 4 + (Int(out[11]) | Int(out[12]) << 8)
        out[secondChunk + 4] ^= 0x01  // flip a bit of the stored CRC
        var strict = try SnappyFramedReader(ByteReader(out))
        #expect(try strict.nextChunk()?.count == 300)
        let error = #expect(throws: FormatError.self) { try strict.nextChunk() }
        #expect(error?.offset == secondChunk)
        var lax = try SnappyFramedReader(ByteReader(out), verifyChecksums: false)
        #expect(try lax.readAll(limit: 500).count == 500)
    }

    @Test func truncatedStreamIsReported() throws {
        var writer = SnappyFramedWriter()
        writer.write(TestData.text(300))
        let out = writer.finish()
        var reader = try SnappyFramedReader(ByteReader(Array(out.dropLast(3))))
        #expect(throws: FormatError.self) { try reader.nextChunk() }
    }

    @Test func readAllHonoursLimit() throws {
        var writer = SnappyFramedWriter()
        writer.write(TestData.text(70_000))
        var reader = try SnappyFramedReader(ByteReader(writer.finish()))
        #expect(throws: FormatError.self) { try reader.readAll(limit: 69_999) }
    }

    /// A compressed chunk that claims more than 65536 raw bytes is refused.
    @Test func oversizedCompressedChunkIsRefused() throws {
        let big = Snappy.compress([UInt8](repeating: 7, count: 70_000))
        var bytes = SnappyFraming.streamIdentifier
        let length = big.count + 4
        bytes += [0x00, UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16)]
        bytes += [0, 0, 0, 0] + big
        var reader = try SnappyFramedReader(ByteReader(bytes), verifyChecksums: false)
        #expect(throws: FormatError.self) { try reader.nextChunk() }
    }
}
