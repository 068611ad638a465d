import Bytes
import Testing
@testable import Compression

@Suite struct SnappyRawTests {
    @Test func roundTripShrinksText() throws {
        let input = TestData.text(10_000)
        let compressed = Snappy.compress(input)
        #expect(compressed.count < input.count / 2)
        #expect(try Snappy.decompress(compressed, limit: input.count) == input)
    }

    @Test func emptyRoundTrip() throws {
        #expect(try Snappy.decompress(Snappy.compress([]), limit: 0) == [])
    }

    /// The varint length header is `e4 1f` = 4068 for the first block of the doc's example SST.
    @Test func declaredLengthComesFromVarintHeader() throws {
        let header: [UInt8] = [0xE4, 0x1F, 0x00]
        let (length, size) = try header.withUnsafeBytes { try Snappy.header($0, at: 0) }
        #expect(length == 4068 && size == 2)
    }

    @Test func refusesOutputOverLimit() throws {
        let compressed = Snappy.compress(TestData.text(1000))
        #expect(throws: FormatError.self) { try Snappy.decompress(compressed, limit: 999) }
    }

    /// A header declaring ~4 GiB with a tiny body must fail on the limit, not allocate.
    @Test func bombFailsBeforeAllocating() throws {
        let bomb: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00]
        let error = #expect(throws: FormatError.self) { try Snappy.decompress(bomb, limit: 1 << 20) }
        #expect(error?.message.contains("limit") == true)
    }

    @Test func corruptBodyIsReported() throws {
        var compressed = Snappy.compress(TestData.text(1000))
        compressed.removeLast(5)
        #expect(throws: FormatError.self) { try Snappy.decompress(compressed, limit: 1000) }
    }
}

@Suite struct LZ4Tests {
    @Test func roundTripFastAndHC() throws {
        let input = TestData.text(20_000)
        let fast = try LZ4.compress(input)
        let high = try LZ4.compressHC(input)
        #expect(fast.count < input.count / 2)
        #expect(high.count <= fast.count)
        #expect(try LZ4.decompress(fast, uncompressedSize: input.count, limit: input.count) == input)
        #expect(try LZ4.decompress(high, uncompressedSize: input.count, limit: input.count) == input)
    }

    @Test func wrongSizeIsAnError() throws {
        let input = TestData.text(500)
        let block = try LZ4.compress(input)
        #expect(throws: FormatError.self) { try LZ4.decompress(block, uncompressedSize: 499, limit: 1000) }
        #expect(throws: FormatError.self) { try LZ4.decompress(block, uncompressedSize: 501, limit: 1000) }
    }

    @Test func limitIsCheckedFirst() throws {
        let error = #expect(throws: FormatError.self) {
            try LZ4.decompress([0x00], uncompressedSize: Int(Int32.max), limit: 1 << 16)
        }
        #expect(error?.message.contains("limit") == true)
    }

    @Test func corruptBlockIsReported() throws {
        let block = try LZ4.compress(TestData.text(500))
        #expect(throws: FormatError.self) {
            try LZ4.decompress(Array(block.prefix(block.count / 2)), uncompressedSize: 500, limit: 500)
        }
    }
}

@Suite struct ZstdTests {
    @Test func roundTrip() throws {
        let input = TestData.text(50_000)
        let frame = try Zstd.compress(input)
        #expect(Array(frame.prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD])  // zstd frame magic
        #expect(try Zstd.decompress(frame, limit: input.count) == input)
    }

    @Test func declaredSizeOverLimitIsRefused() throws {
        let frame = try Zstd.compress(TestData.text(5000))
        #expect(throws: FormatError.self) { try Zstd.decompress(frame, limit: 4999) }
    }

    @Test func garbageIsReported() throws {
        #expect(throws: FormatError.self) { try Zstd.decompress([1, 2, 3, 4, 5, 6], limit: 100) }
        #expect(throws: FormatError.self) { try Zstd.decompress([], limit: 100) }
    }

    @Test func truncatedFrameIsReported() throws {
        let frame = try Zstd.compress(TestData.noise(5000))
        #expect(throws: FormatError.self) { try Zstd.decompress(Array(frame.dropLast(10)), limit: 10_000) }
    }
}
