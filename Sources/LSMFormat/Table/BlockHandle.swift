import Bytes

/// Where a block lies in a table: `varint64 offset ‖ varint64 size` (`table/format.cc`). The size
/// excludes the 5-byte block trailer that follows every block.
public struct BlockHandle: Sendable, Hashable, CustomStringConvertible {
    /// Compression type byte + fixed32 checksum after each block.
    public static let trailerSize = 5
    /// Longest encoding: two varint64s of 10 bytes each.
    public static let maxEncodedLength = 20

    public var offset: UInt64
    public var size: UInt64

    public init(offset: UInt64, size: UInt64) {
        self.offset = offset
        self.size = size
    }

    public static func read(from r: inout ByteReader) throws -> BlockHandle {
        let offset = try r.readVarUInt64("a block handle offset")
        let size = try r.readVarUInt64("a block handle size")
        return BlockHandle(offset: offset, size: size)
    }

    public func write(to w: inout ByteWriter) {
        w.writeVarUInt64(offset)
        w.writeVarUInt64(size)
    }

    /// First byte after the block's trailer.
    public var end: UInt64 { offset &+ size &+ UInt64(Self.trailerSize) }

    public var description: String { "block at \(offset) (\(size) bytes)" }
}
