import Bytes

/// Constants of the Snappy framing format (google/snappy `framing_format.txt`), the stream format
/// Flink's snapshot compression writes through snappy-java's `SnappyFramedOutputStream`.
///
/// A stream is a sequence of chunks: `u8 type ‖ u24 little-endian length ‖ payload[length]`.
/// Data chunks start their payload with the masked CRC32C of the *uncompressed* bytes (u32 LE).
public enum SnappyFraming {
    /// The stream identifier chunk: type 0xFF, length 6, "sNaPpY".
    public static let streamIdentifier: [UInt8] = [0xFF, 0x06, 0x00, 0x00, 0x73, 0x4E, 0x61, 0x50, 0x70, 0x59]
    /// Largest uncompressed payload one data chunk may carry (and snappy-java's block size).
    public static let maxBlockSize = 65536
    /// snappy-java keeps a chunk compressed only if compressed/raw is at most this ratio.
    public static let defaultMinCompressionRatio = 0.85
    /// Chunk header: type byte and 24-bit length.
    static let chunkHeaderSize = 4
    /// The CRC in front of each data chunk's payload.
    static let checksumSize = 4

    /// Chunk types; 0x02–0x7F are reserved and must not be skipped, 0x80–0xFE may be.
    public enum ChunkType {
        public static let compressedData: UInt8 = 0x00
        public static let uncompressedData: UInt8 = 0x01
        public static let padding: UInt8 = 0xFE
        public static let streamIdentifier: UInt8 = 0xFF
        public static let skippable: ClosedRange<UInt8> = 0x80...0xFE
    }

    /// The masked CRC32C a data chunk stores for its uncompressed bytes.
    public static func maskedChecksum(_ data: UnsafeRawBufferPointer) -> UInt32 {
        CRC32C.mask(CRC32C.checksum(data))
    }

    public static func maskedChecksum(_ data: [UInt8]) -> UInt32 {
        data.withUnsafeBytes { maskedChecksum($0) }
    }
}
