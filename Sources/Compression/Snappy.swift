import Bytes
import CSnappy

/// Raw Snappy blocks (no framing), through libsnappy's C API. RocksDB stores Snappy data blocks
/// this way; the framed stream Flink uses for snapshot compression is in `SnappyFraming`.
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

    /// The uncompressed length a raw Snappy block declares in its varint header.
    public static func uncompressedLength(_ input: UnsafeRawBufferPointer, at offset: Int = 0) throws -> Int {
        var length = 0
        let status = snappy_uncompressed_length(
            input.baseAddress?.assumingMemoryBound(to: CChar.self) ?? emptyInput, input.count, &length)
        guard status == SNAPPY_OK else {
            throw FormatError(offset: offset, "expected a Snappy length header, found malformed bytes")
        }
        return length
    }

    /// Decompresses a raw Snappy block, refusing output larger than `limit` bytes.
    /// `offset` is where the block starts in its file, for error messages.
    public static func decompress(
        _ input: UnsafeRawBufferPointer, limit: Int, at offset: Int = 0
    ) throws -> [UInt8] {
        let length = try uncompressedLength(input, at: offset)
        try OutputLimit.check(length, limit: limit, codec: "Snappy", at: offset)
        let source = input.baseAddress?.assumingMemoryBound(to: CChar.self) ?? emptyInput
        // No separate validation pass: snappy_uncompress bounds-checks every copy against the
        // output size the header declared and fails on malformed input (a second pass over
        // every block cost a tenth of reading a native savepoint).
        return try [UInt8].filled(capacity: Swift.max(length, 1)) { out in
            var produced = length
            let status = snappy_uncompress(
                source, input.count, out.baseAddress!.assumingMemoryBound(to: CChar.self), &produced)
            guard status == SNAPPY_OK, produced == length else {
                throw FormatError(offset: offset, "Snappy block of \(input.count) bytes is corrupt")
            }
            return produced
        }
    }

    public static func decompress(_ input: [UInt8], limit: Int, at offset: Int = 0) throws -> [UInt8] {
        try input.withUnsafeBytes { try decompress($0, limit: limit, at: offset) }
    }
}

/// A valid pointer for empty inputs (C APIs dislike NULL even with length 0).
nonisolated(unsafe) private let emptyByte = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
private var emptyInput: UnsafePointer<CChar> { UnsafePointer(emptyByte) }
