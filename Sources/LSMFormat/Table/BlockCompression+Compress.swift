import Bytes
import Compression

extension BlockCompression {
    /// Frames `raw` as a stored block of this type (compress_format_version 2, the mirror of
    /// `decompress`): Snappy as is, LZ4/LZ4HC/ZSTD behind a varint32 of the raw size.
    func compress(_ raw: [UInt8]) throws -> [UInt8] {
        switch self {
        case .none:
            return raw
        case .snappy:
            return Snappy.compress(raw)
        case .lz4:
            return Self.sizePrefixed(raw.count, try LZ4.compress(raw))
        case .lz4hc:
            return Self.sizePrefixed(raw.count, try LZ4.compressHC(raw))
        case .zstd, .zstdNotFinal:
            return Self.sizePrefixed(raw.count, try Zstd.compress(raw))
        case .zlib, .bzip2, .xpress:
            throw FormatError(offset: 0, "cannot write \(self) compressed blocks")
        }
    }

    private static func sizePrefixed(_ rawSize: Int, _ data: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: data.count + 5)
        w.writeVarUInt32(UInt32(truncatingIfNeeded: rawSize))
        w.writeBytes(data)
        return w.bytes
    }

    /// The bytes to store and their trailer type: compressed when that saves what the release
    /// requires, raw (type 0) otherwise (`CompressBlock`).
    func storedForm(of raw: [UInt8], release: RocksDBRelease) throws -> (type: BlockCompression, bytes: [UInt8]) {
        guard self != .none, !raw.isEmpty else { return (.none, raw) }
        let compressed = try compress(raw)
        return release.keepsCompressed(compressed.count, rawSize: raw.count) ? (self, compressed) : (.none, raw)
    }
}
