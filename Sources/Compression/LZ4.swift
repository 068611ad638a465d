import Bytes
import CLZ4

/// LZ4 raw blocks (no LZ4 frame), as RocksDB stores LZ4 and LZ4HC data blocks. A raw block does
/// not record its decompressed size, so the caller passes it (RocksDB keeps it in a varint prefix).
public enum LZ4 {
    /// LZ4HC's default level (`LZ4HC_CLEVEL_DEFAULT`).
    public static let defaultHighCompressionLevel: Int32 = 9

    /// Compresses `input` into one raw LZ4 block with the fast compressor.
    public static func compress(_ input: [UInt8]) throws -> [UInt8] {
        try encode(input) { src, dst, count, capacity in
            LZ4_compress_default(src, dst, count, capacity)
        }
    }

    /// Compresses `input` into one raw LZ4 block with the high-compression (HC) compressor.
    public static func compressHC(_ input: [UInt8], level: Int32 = defaultHighCompressionLevel) throws -> [UInt8] {
        try encode(input) { src, dst, count, capacity in
            LZ4_compress_HC(src, dst, count, capacity, level)
        }
    }

    private static func encode(
        _ input: [UInt8],
        _ body: (UnsafePointer<CChar>, UnsafeMutablePointer<CChar>, Int32, Int32) -> Int32
    ) throws -> [UInt8] {
        guard input.count <= Int(LZ4_MAX_INPUT_SIZE) else {
            throw FormatError(offset: 0, "LZ4 cannot compress \(input.count) bytes in one block")
        }
        let bound = Int(LZ4_compressBound(Int32(input.count)))
        return try input.withUnsafeBytes { raw in
            try [UInt8].filled(capacity: Swift.max(bound, 1)) { out in
                let written = body(
                    raw.baseAddress?.assumingMemoryBound(to: CChar.self) ?? placeholder,
                    out.baseAddress!.assumingMemoryBound(to: CChar.self),
                    Int32(input.count), Int32(bound))
                guard written > 0 || input.isEmpty else {
                    throw FormatError(offset: 0, "LZ4 compression of \(input.count) bytes failed")
                }
                return Int(written)
            }
        }
    }

    /// Decompresses a raw LZ4 block that must expand to exactly `uncompressedSize` bytes, refusing
    /// sizes over `limit`. `offset` locates the block in its file for error messages.
    public static func decompress(
        _ input: UnsafeRawBufferPointer, uncompressedSize: Int, limit: Int, at offset: Int = 0
    ) throws -> [UInt8] {
        try OutputLimit.check(uncompressedSize, limit: limit, codec: "LZ4", at: offset)
        guard uncompressedSize <= Int(Int32.max), input.count <= Int(Int32.max) else {
            throw FormatError(offset: offset, "LZ4 block of \(input.count) bytes is too large")
        }
        return try [UInt8].filled(capacity: Swift.max(uncompressedSize, 1)) { out in
            let produced = LZ4_decompress_safe(
                input.baseAddress?.assumingMemoryBound(to: CChar.self) ?? placeholder,
                out.baseAddress!.assumingMemoryBound(to: CChar.self),
                Int32(input.count), Int32(uncompressedSize))
            guard produced == Int32(uncompressedSize) else {
                throw FormatError(
                    offset: offset,
                    "LZ4 block of \(input.count) bytes is corrupt or does not expand to \(uncompressedSize) bytes")
            }
            return Int(produced)
        }
    }

    public static func decompress(
        _ input: [UInt8], uncompressedSize: Int, limit: Int, at offset: Int = 0
    ) throws -> [UInt8] {
        try input.withUnsafeBytes {
            try decompress($0, uncompressedSize: uncompressedSize, limit: limit, at: offset)
        }
    }
}

nonisolated(unsafe) private let placeholderByte = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
private var placeholder: UnsafePointer<CChar> { UnsafePointer(placeholderByte) }
