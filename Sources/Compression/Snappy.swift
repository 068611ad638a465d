import Bytes
import CSnappy

/// Raw Snappy blocks (no framing): compressed through libsnappy's C API, decompressed by
/// `SnappyDecoder` (held to libsnappy by the tests). RocksDB stores Snappy data blocks this way;
/// the framed stream Flink uses for snapshot compression is in `SnappyFraming`.
public enum Snappy {
    /// Compresses `input` into one raw Snappy block.
    public static func compress(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        let bound = snappy_max_compressed_length(input.count)
        return [UInt8].filled(capacity: bound) { out in
            var length = bound
            let status = snappy_compress(
                input.baseAddress?.assumingMemoryBound(to: CChar.self) ?? emptyInput, input.count,
                out.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
            // Compression cannot fail with a buffer of the maximum compressed length.
            return status == SNAPPY_OK ? length : 0
        }
    }

    public static func compress(_ input: [UInt8]) -> [UInt8] {
        input.withUnsafeBytes { compress($0) }
    }

    /// The uncompressed length a raw Snappy block declares in its varint header, and the
    /// header's size.
    static func header(_ input: UnsafeRawBufferPointer, at offset: Int) throws -> (length: Int, size: Int) {
        var i = 0
        guard let base = input.baseAddress?.assumingMemoryBound(to: UInt8.self),
              let length = LEB128.uint32(base, at: &i, end: input.count) else {
            throw FormatError(offset: offset, "expected a Snappy length header, found malformed bytes")
        }
        return (Int(length), i)
    }

    /// Decompresses a raw Snappy block, refusing output larger than `limit` bytes.
    /// `offset` is where the block starts in its file, for error messages.
    public static func decompress(
        _ input: UnsafeRawBufferPointer, limit: Int, at offset: Int = 0
    ) throws -> [UInt8] {
        let (length, headerSize) = try checkedHeader(input, limit: limit, at: offset)
        return try [UInt8].filled(capacity: length + SnappyDecoder.slack) { out in
            try decodeElements(input, after: headerSize, into: out.baseAddress!, length: length, at: offset)
            return length
        }
    }

    /// `decompress` into `buffer`, reused from block to block (replaced by a larger one when the
    /// block and the decoder's slack do not fit): the block is its first bytes, as many as this
    /// returns.
    public static func decompress(
        _ input: UnsafeRawBufferPointer, limit: Int, at offset: Int = 0, into buffer: inout [UInt8]
    ) throws -> Int {
        let (length, headerSize) = try checkedHeader(input, limit: limit, at: offset)
        if buffer.count < length + SnappyDecoder.slack {
            buffer = [UInt8](repeating: 0, count: Swift.max(length + SnappyDecoder.slack, 2 * buffer.count))
        }
        try buffer.withUnsafeMutableBytes {
            try decodeElements(input, after: headerSize, into: $0.baseAddress!, length: length, at: offset)
        }
        return length
    }

    /// The declared length, refused over `limit` before anything is allocated, and the header's size.
    private static func checkedHeader(_ input: UnsafeRawBufferPointer, limit: Int, at offset: Int) throws -> (Int, Int) {
        let (length, headerSize) = try header(input, at: offset)
        try OutputLimit.check(length, limit: limit, codec: "Snappy", at: offset)
        return (length, headerSize)
    }

    /// The elements after the header into `out` (room for `length` and the decoder's slack): one
    /// pass, every copy bounds-checked against the declared length (`SnappyDecoder`).
    private static func decodeElements(_ input: UnsafeRawBufferPointer, after headerSize: Int, into out: UnsafeMutableRawPointer,
                                       length: Int, at offset: Int) throws {
        guard SnappyDecoder.decode(UnsafeRawBufferPointer(rebasing: input[headerSize...]), into: out, length: length) else {
            throw FormatError(offset: offset, "Snappy block of \(input.count) bytes is corrupt")
        }
    }

    public static func decompress(_ input: [UInt8], limit: Int, at offset: Int = 0) throws -> [UInt8] {
        try input.withUnsafeBytes { try decompress($0, limit: limit, at: offset) }
    }
}

extension Snappy {
    /// libsnappy's own decompression of a raw block (nil where it refuses the block or the block
    /// declares more than `limit` bytes): the reference `SnappyDecoder` is held to, by the tests
    /// and the `snappy` fuzz target.
    public static func libsnappyDecompress(_ block: [UInt8], limit: Int) -> [UInt8]? {
        block.withUnsafeBytes { input -> [UInt8]? in
            let source = input.baseAddress?.assumingMemoryBound(to: CChar.self) ?? emptyInput
            var length = 0
            guard snappy_uncompressed_length(source, input.count, &length) == SNAPPY_OK, length <= limit else { return nil }
            var produced = length
            var status = SNAPPY_OK
            let out = [UInt8].filled(capacity: Swift.max(length, 1)) { out in
                status = snappy_uncompress(source, input.count, out.baseAddress!.assumingMemoryBound(to: CChar.self), &produced)
                return status == SNAPPY_OK ? produced : 0
            }
            return status == SNAPPY_OK && produced == length ? out : nil
        }
    }
}

/// A valid pointer for empty inputs (C APIs dislike NULL even with length 0).
nonisolated(unsafe) private let emptyByte = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
private var emptyInput: UnsafePointer<CChar> { UnsafePointer(emptyByte) }
