import Bytes
import CZstd

/// Zstandard frames through libzstd. RocksDB prefixes the frame with the raw size; a frame may also
/// carry its own content size, and when it does not we decode in a stream, bounded by the limit.
public enum Zstd {
    public static let defaultLevel: Int32 = 3

    public static func compress(_ input: [UInt8], level: Int32 = defaultLevel) throws -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        return try input.withUnsafeBytes { raw in
            try [UInt8].filled(capacity: Swift.max(bound, 1)) { out in
                let written = ZSTD_compress(
                    out.baseAddress, bound, raw.baseAddress ?? UnsafeRawPointer(out.baseAddress!),
                    input.count, level)
                guard ZSTD_isError(written) == 0 else {
                    throw FormatError(offset: 0, "ZSTD compression failed: \(errorName(written))")
                }
                return written
            }
        }
    }

    /// Decompresses one or more zstd frames, refusing more than `limit` bytes of output.
    public static func decompress(
        _ input: UnsafeRawBufferPointer, limit: Int, at offset: Int = 0
    ) throws -> [UInt8] {
        guard let base = input.baseAddress, !input.isEmpty else {
            throw FormatError(offset: offset, "expected a ZSTD frame, found no bytes")
        }
        let declared = ZSTD_getFrameContentSize(base, input.count)
        if declared == ZSTD_CONTENTSIZE_ERROR {
            throw FormatError(offset: offset, "expected a ZSTD frame header, found malformed bytes")
        }
        if declared != ZSTD_CONTENTSIZE_UNKNOWN, ZSTD_findFrameCompressedSize(base, input.count) == input.count {
            guard declared <= UInt64(limit) else {
                throw FormatError(
                    offset: offset, "ZSTD data would decompress to \(declared) bytes, more than the limit of \(limit)")
            }
            return try decompressKnown(input, size: Int(declared), at: offset)
        }
        return try decompressStreaming(input, limit: limit, at: offset)
    }

    public static func decompress(_ input: [UInt8], limit: Int, at offset: Int = 0) throws -> [UInt8] {
        try input.withUnsafeBytes { try decompress($0, limit: limit, at: offset) }
    }

    private static func decompressKnown(
        _ input: UnsafeRawBufferPointer, size: Int, at offset: Int
    ) throws -> [UInt8] {
        try [UInt8].filled(capacity: Swift.max(size, 1)) { out in
            let produced = ZSTD_decompress(out.baseAddress, size, input.baseAddress, input.count)
            guard ZSTD_isError(produced) == 0, produced == size else {
                throw FormatError(offset: offset, "ZSTD frame is corrupt: \(errorName(produced))")
            }
            return produced
        }
    }

    /// Decodes in chunks, growing the output only while it stays within `limit`.
    private static func decompressStreaming(
        _ input: UnsafeRawBufferPointer, limit: Int, at offset: Int
    ) throws -> [UInt8] {
        guard let stream = ZSTD_createDStream() else {
            throw FormatError(offset: offset, "cannot allocate a ZSTD decoder")
        }
        defer { ZSTD_freeDStream(stream) }
        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var lastResult = 0
        repeat {
            let produced = try chunk.withUnsafeMutableBytes { raw in
                var sink = ZSTD_outBuffer(dst: raw.baseAddress, size: raw.count, pos: 0)
                lastResult = ZSTD_decompressStream(stream, &sink, &source)
                guard ZSTD_isError(lastResult) == 0 else {
                    throw FormatError(offset: offset, "ZSTD frame is corrupt: \(errorName(lastResult))")
                }
                return sink.pos
            }
            try OutputLimit.check(output.count + produced, limit: limit, codec: "ZSTD", at: offset)
            output.append(contentsOf: chunk[0..<produced])
            if produced == 0, source.pos == source.size, lastResult != 0 {
                throw FormatError(offset: offset, "ZSTD frame is truncated")
            }
        } while source.pos < source.size || lastResult != 0
        return output
    }

    private static func errorName(_ code: Int) -> String {
        String(cString: ZSTD_getErrorName(code))
    }
}
