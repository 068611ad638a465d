import Bytes
import Compression

/// The compression type byte of a block trailer (`CompressionType`,
/// `include/rocksdb/compression_type.h`) and how each stored block is framed (`util/compression.h`).
public enum BlockCompression: UInt8, Sendable, CustomStringConvertible {
    case none = 0x0
    case snappy = 0x1
    case zlib = 0x2
    case bzip2 = 0x3
    case lz4 = 0x4
    case lz4hc = 0x5
    case xpress = 0x6
    case zstd = 0x7
    case zstdNotFinal = 0x40

    public var description: String {
        switch self {
        case .none: "NoCompression"
        case .snappy: "Snappy"
        case .zlib: "Zlib"
        case .bzip2: "BZip2"
        case .lz4: "LZ4"
        case .lz4hc: "LZ4HC"
        case .xpress: "Xpress"
        case .zstd: "ZSTD"
        case .zstdNotFinal: "ZSTDNotFinal"
        }
    }

    /// Decodes one stored block. Since compress_format_version 2 (table format_version ≥ 2) every
    /// codec except Snappy prefixes the data with a varint32 of the raw size; Snappy carries its
    /// own length. `offset` locates the block for errors; `limit` caps the output.
    func decompress(_ stored: ByteReader, formatVersion: UInt32, limit: Int) throws -> [UInt8] {
        var r = stored
        let at = r.fileOffset
        switch self {
        case .none:
            return r.remainingBytes
        case .snappy:
            return try r.withBytes(r.remaining) { try Snappy.decompress($0, limit: limit, at: at) }
        case .lz4, .lz4hc:
            let size = try rawSize(&r, formatVersion: formatVersion)
            guard let size else {
                throw FormatError(offset: at, "LZ4 blocks of format_version 1 tables (no size prefix) are not supported")
            }
            return try r.withBytes(r.remaining) {
                try LZ4.decompress($0, uncompressedSize: size, limit: limit, at: at)
            }
        case .zstd, .zstdNotFinal:
            let size = try rawSize(&r, formatVersion: formatVersion)
            let data = try r.withBytes(r.remaining) { try Zstd.decompress($0, limit: limit, at: at) }
            if let size, data.count != size {
                throw FormatError(offset: at, "ZSTD block declares \(size) bytes but decompresses to \(data.count)")
            }
            return data
        case .zlib, .bzip2, .xpress:
            throw FormatError(offset: at, "\(self) compressed blocks are not supported (Flink does not write them)")
        }
    }

    /// `decompress` into `buffer`, reused from block to block where the codec allows (Snappy,
    /// the commonest, decodes in place); others hand back their new array. The block is the
    /// buffer's first bytes, as many as this returns.
    func decompress(_ stored: ByteReader, formatVersion: UInt32, limit: Int, into buffer: inout [UInt8]) throws -> Int {
        guard self == .snappy else {
            buffer = try decompress(stored, formatVersion: formatVersion, limit: limit)
            return buffer.count
        }
        var r = stored
        let at = r.fileOffset
        return try r.withBytes(r.remaining) { try Snappy.decompress($0, limit: limit, at: at, into: &buffer) }
    }

    private func rawSize(_ r: inout ByteReader, formatVersion: UInt32) throws -> Int? {
        guard formatVersion >= 2 else { return nil }
        return Int(try r.readVarUInt32("the uncompressed block size"))
    }
}
