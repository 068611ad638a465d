import Bytes

/// State of a master hook (`MasterState`), e.g. a source coordinator of the old API: kept opaque.
public struct MasterState: Sendable, Equatable {
    static let magic: UInt32 = 0xC96B_1696

    public var name: String
    public var version: Int32
    public var bytes: [UInt8]

    public init(name: String, version: Int32, bytes: [UInt8]) {
        self.name = name
        self.version = version
        self.bytes = bytes
    }

    /// `i32 magic, i32 len, { i32 version, UTF name, i32 n, bytes(n) }`, the block exactly `len` bytes.
    static func read(from reader: inout ByteReader) throws -> MasterState {
        let at = reader.index
        let magic = try reader.readU32("the master state magic number")
        guard magic == MasterState.magic else {
            throw reader.error(
                "expected the master state magic number 0xc96b1696, found 0x\(String(magic, radix: 16))", at: at)
        }
        let lengthAt = reader.index
        let length = try reader.readCount("the master state length")
        guard length > 0 else { throw reader.error("expected a master state length > 0, found 0", at: lengthAt) }
        var block = try reader.readSlice(length, what: "a master state block")
        let version = try block.readI32("the master state version")
        let name = try block.readJavaUTF("the master state name")
        let count = try block.readCount("the master state payload length")
        let bytes = try block.readBytes(count, what: "the master state payload")
        guard block.isAtEnd else {
            throw block.error("expected the end of the master state block, found \(block.remaining) trailing bytes")
        }
        return MasterState(name: name, version: version, bytes: bytes)
    }

    func write(to writer: inout ByteWriter) throws {
        var block = ByteWriter()
        block.writeI32(version)
        try block.writeModifiedUTF8(name)
        try block.writeElementCount(bytes.count, "master state bytes")
        block.writeBytes(bytes)
        writer.writeU32(MasterState.magic)
        try writer.writeElementCount(block.count, "master state block")
        writer.writeBytes(block.bytes)
    }
}
