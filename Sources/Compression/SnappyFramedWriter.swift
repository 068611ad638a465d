import Bytes

/// Writes a Snappy framed stream byte for byte as snappy-java's `SnappyFramedOutputStream` does
/// (the stream Flink's `SnappyStreamCompressionDecorator` produces), given the same Snappy encoder.
///
/// The identifier goes out first; data is buffered up to the block size and emitted as a chunk
/// when the buffer is full and more arrives, or on `flush()`. A chunk stays compressed only if
/// compressed/raw ≤ the minimum ratio, else its raw bytes are stored (type 0x01).
public struct SnappyFramedWriter: Sendable {
    public let blockSize: Int
    public let minCompressionRatio: Double
    private var output: ByteWriter
    private var buffer: [UInt8]

    public init(
        blockSize: Int = SnappyFraming.maxBlockSize,
        minCompressionRatio: Double = SnappyFraming.defaultMinCompressionRatio
    ) {
        self.blockSize = Swift.min(Swift.max(blockSize, 1), SnappyFraming.maxBlockSize)
        self.minCompressionRatio = minCompressionRatio
        output = ByteWriter()
        buffer = []
        buffer.reserveCapacity(self.blockSize)
        output.writeBytes(SnappyFraming.streamIdentifier)
    }

    /// The framed bytes emitted so far (buffered data not included until `flush()`).
    public var bytes: [UInt8] { output.bytes }
    /// Size of the framed output so far; after `flush()` it is the offset of the next chunk,
    /// which is what Flink records as a state offset.
    public var count: Int { output.count }

    public mutating func write<C: Collection>(_ data: C) where C.Element == UInt8 {
        var rest = data[...]
        while !rest.isEmpty {
            if buffer.count >= blockSize { flush() }
            let take = Swift.min(rest.count, blockSize - buffer.count)
            buffer.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
        }
    }

    /// Ends the current chunk (no-op when nothing is buffered).
    public mutating func flush() {
        guard !buffer.isEmpty else { return }
        writeChunk(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and returns the whole stream.
    public mutating func finish() -> [UInt8] {
        flush()
        return output.bytes
    }

    private mutating func writeChunk(_ raw: [UInt8]) {
        let checksum = SnappyFraming.maskedChecksum(raw)
        let compressed = Snappy.compress(raw)
        let keep = Double(compressed.count) / Double(raw.count) <= minCompressionRatio
        let payload = keep ? compressed : raw
        output.writeU8(keep ? SnappyFraming.ChunkType.compressedData : SnappyFraming.ChunkType.uncompressedData)
        let length = payload.count + SnappyFraming.checksumSize
        output.writeU8(UInt8(length & 0xFF))
        output.writeU8(UInt8((length >> 8) & 0xFF))
        output.writeU8(UInt8((length >> 16) & 0xFF))
        output.writeU32LE(checksum)
        output.writeBytes(payload)
    }
}
