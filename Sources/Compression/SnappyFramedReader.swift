import Bytes

/// Reads a Snappy framed stream chunk by chunk, as snappy-java's `SnappyFramedInputStream` does.
///
/// Flink reads keyed-state key-group blocks as independent streams (each starts with the stream
/// identifier) and operator state as one stream whose recorded offsets land on chunk boundaries, so
/// the reader can start either at an identifier or directly at a chunk. It stops at the end of its
/// input; a caller that knows its own end (Flink's `0xFFFF` end marker) simply stops asking.
public struct SnappyFramedReader: Sendable {
    private var input: ByteReader
    /// Flink reads with `verifyChecksums=false`; we verify by default and let callers opt out.
    public var verifyChecksums: Bool

    /// - Parameters:
    ///   - input: the framed bytes, positioned at the first chunk.
    ///   - expectStreamIdentifier: require the stream to open with the identifier chunk.
    public init(_ input: ByteReader, verifyChecksums: Bool = true, expectStreamIdentifier: Bool = true) throws {
        self.input = input
        self.verifyChecksums = verifyChecksums
        if expectStreamIdentifier { try readStreamIdentifier() }
    }

    /// File offset of the next chunk header.
    public var fileOffset: Int { input.fileOffset }
    public var isAtEnd: Bool { input.isAtEnd }

    /// The uncompressed bytes of the next data chunk, skipping identifier, padding and skippable
    /// chunks; `nil` at the end of the input.
    public mutating func nextChunk() throws -> [UInt8]? {
        while !input.isAtEnd {
            let chunkOffset = input.fileOffset
            let type = try input.readU8("a Snappy chunk type")
            let length = try readLength()
            var payload = try input.readSlice(length, what: "a Snappy chunk payload")
            switch type {
            case SnappyFraming.ChunkType.compressedData, SnappyFraming.ChunkType.uncompressedData:
                return try decodeData(&payload, compressed: type == SnappyFraming.ChunkType.compressedData,
                                      chunkOffset: chunkOffset)
            case SnappyFraming.ChunkType.streamIdentifier:
                try checkIdentifierPayload(payload, chunkOffset: chunkOffset)
            case SnappyFraming.ChunkType.skippable:
                continue
            default:
                throw FormatError(
                    offset: chunkOffset, "expected a Snappy chunk type, found reserved unskippable type \(type)")
            }
        }
        return nil
    }

    /// Everything up to the end of the input, refusing more than `limit` bytes of output.
    public mutating func readAll(limit: Int) throws -> [UInt8] {
        var output = [UInt8]()
        while let chunk = try nextChunk() {
            guard chunk.count <= limit - output.count else {
                throw FormatError(
                    offset: input.fileOffset,
                    "Snappy framed stream decompresses to more than the limit of \(limit) bytes")
            }
            output.append(contentsOf: chunk)
        }
        return output
    }

    // MARK: parts

    private mutating func readStreamIdentifier() throws {
        let at = input.fileOffset
        let found = try input.readBytes(SnappyFraming.streamIdentifier.count, what: "the Snappy stream identifier")
        guard found == SnappyFraming.streamIdentifier else {
            throw FormatError(
                offset: at, "expected the Snappy stream identifier ff060000734e61507059, found \(found.hexString)")
        }
    }

    private mutating func readLength() throws -> Int {
        let b0 = Int(try input.readU8("a Snappy chunk length"))
        let b1 = Int(try input.readU8("a Snappy chunk length"))
        let b2 = Int(try input.readU8("a Snappy chunk length"))
        return b0 | b1 << 8 | b2 << 16
    }

    private func checkIdentifierPayload(_ payload: ByteReader, chunkOffset: Int) throws {
        let expected = Array(SnappyFraming.streamIdentifier[SnappyFraming.chunkHeaderSize...])
        guard payload.allBytes == expected else {
            throw FormatError(
                offset: chunkOffset, "expected the Snappy stream identifier payload \"sNaPpY\", found \(payload.allBytes.hexString)")
        }
    }

    private func decodeData(_ payload: inout ByteReader, compressed: Bool, chunkOffset: Int) throws -> [UInt8] {
        guard payload.remaining >= SnappyFraming.checksumSize else {
            throw FormatError(offset: chunkOffset, "Snappy data chunk of \(payload.remaining) bytes has no room for its checksum")
        }
        let stored = try payload.readU32LE("a Snappy chunk checksum")
        let data: [UInt8]
        if compressed {
            data = try payload.withBytes(payload.remaining) { raw in
                try Snappy.decompress(raw, limit: SnappyFraming.maxBlockSize, at: chunkOffset)
            }
        } else {
            guard payload.remaining <= SnappyFraming.maxBlockSize else {
                throw FormatError(
                    offset: chunkOffset,
                    "uncompressed Snappy chunk of \(payload.remaining) bytes exceeds \(SnappyFraming.maxBlockSize)")
            }
            data = payload.remainingBytes
        }
        if verifyChecksums {
            let actual = SnappyFraming.maskedChecksum(data)
            guard actual == stored else {
                throw FormatError(
                    offset: chunkOffset,
                    "Snappy chunk checksum mismatch: stored \(hex32(stored)), computed \(hex32(actual))")
            }
        }
        return data
    }
}

func hex32(_ v: UInt32) -> String {
    let digits = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
