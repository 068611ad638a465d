/// Reads Java `DataInput`-style values (big-endian) from contiguous bytes, with bounds checks.
///
/// One reader serves every format: it never reads past its end, and every failure is a
/// `FormatError` with the absolute offset (`baseOffset` + position) of the problem. Sub-readers
/// share the storage of their parent (no copy).
public struct ByteReader: Sendable {
    public let storage: [UInt8]
    /// Index of the first byte this reader may read in `storage`.
    public let start: Int
    /// One past the last byte this reader may read in `storage`.
    public let end: Int
    /// Current read index in `storage`.
    public private(set) var index: Int
    /// Offset of `storage[0]` within the file it came from, for error messages.
    public let baseOffset: Int

    public init(_ bytes: [UInt8], baseOffset: Int = 0) {
        self.storage = bytes
        self.start = 0
        self.end = bytes.count
        self.index = 0
        self.baseOffset = baseOffset
    }

    init(storage: [UInt8], start: Int, end: Int, baseOffset: Int) {
        self.storage = storage
        self.start = start
        self.end = end
        self.index = start
        self.baseOffset = baseOffset
    }

    /// Position relative to this reader's first byte.
    public var position: Int { index - start }
    /// Absolute position in the file (for error messages and offsets stored in handles).
    public var fileOffset: Int { baseOffset + index }
    public var remaining: Int { end - index }
    public var isAtEnd: Bool { index >= end }

    public func error(_ message: String, at absoluteIndex: Int? = nil) -> FormatError {
        FormatError(offset: baseOffset + (absoluteIndex ?? index), message)
    }

    /// Fails unless `count` more bytes can be read; used before any allocation sized by input.
    public func require(_ count: Int, for what: @autoclosure () -> String) throws {
        guard count >= 0, count <= remaining else {
            throw error("expected \(what()) of \(count) bytes, only \(remaining) remain")
        }
    }

    /// Moves to `position` (relative to this reader's first byte).
    public mutating func seek(to position: Int) throws {
        guard position >= 0, position <= end - start else {
            throw error("offset \(position) lies outside \(end - start) bytes")
        }
        index = start + position
    }

    public mutating func skip(_ count: Int) throws {
        try require(count, for: "skipped bytes")
        index += count
    }

    /// A reader over the next `count` bytes, sharing storage; this reader moves past them.
    public mutating func readSlice(_ count: Int, what: @autoclosure () -> String = "a block")
        throws -> ByteReader
    {
        try require(count, for: what())
        let sub = ByteReader(storage: storage, start: index, end: index + count, baseOffset: baseOffset)
        index += count
        return sub
    }

    /// A reader over everything from `position` to the end, sharing storage.
    public func slice(from position: Int) throws -> ByteReader {
        guard position >= 0, position <= end - start else {
            throw error("offset \(position) lies outside \(end - start) bytes")
        }
        return ByteReader(storage: storage, start: start + position, end: end, baseOffset: baseOffset)
    }

    /// The bytes from here to the end, as a new array.
    public var remainingBytes: [UInt8] { Array(storage[index..<end]) }
    /// The bytes between the reader's start and end, as a new array.
    public var allBytes: [UInt8] { Array(storage[start..<end]) }

    // MARK: fixed-width integers

    @inline(__always)
    mutating func load<T: FixedWidthInteger>(_: T.Type, _ what: StaticString) throws -> T {
        let size = MemoryLayout<T>.size
        guard size <= remaining else {
            throw error("expected \(what) (\(size) bytes), only \(remaining) remain")
        }
        let value = storage.withUnsafeBytes { raw in
            raw.loadUnaligned(fromByteOffset: index, as: T.self)
        }
        index += size
        return T(bigEndian: value)
    }

    public mutating func readU8(_ what: StaticString = "a byte") throws -> UInt8 {
        guard index < end else { throw error("expected \(what), found end of data") }
        defer { index += 1 }
        return storage[index]
    }

    public func peekU8() -> UInt8? { index < end ? storage[index] : nil }

    public mutating func readI8(_ what: StaticString = "a byte") throws -> Int8 {
        Int8(bitPattern: try readU8(what))
    }
    public mutating func readBool(_ what: StaticString = "a boolean") throws -> Bool {
        try readU8(what) != 0
    }
    public mutating func readU16(_ what: StaticString = "a 16-bit integer") throws -> UInt16 {
        try load(UInt16.self, what)
    }
    public mutating func readI16(_ what: StaticString = "a 16-bit integer") throws -> Int16 {
        try load(Int16.self, what)
    }
    public mutating func readI32(_ what: StaticString = "a 32-bit integer") throws -> Int32 {
        try load(Int32.self, what)
    }
    public mutating func readU32(_ what: StaticString = "a 32-bit integer") throws -> UInt32 {
        try load(UInt32.self, what)
    }
    public mutating func readI64(_ what: StaticString = "a 64-bit integer") throws -> Int64 {
        try load(Int64.self, what)
    }
    public mutating func readU64(_ what: StaticString = "a 64-bit integer") throws -> UInt64 {
        try load(UInt64.self, what)
    }
    public mutating func readF32() throws -> Float {
        Float(bitPattern: try load(UInt32.self, "a float"))
    }
    public mutating func readF64() throws -> Double {
        Double(bitPattern: try load(UInt64.self, "a double"))
    }

    /// Little-endian loads, for RocksDB's fixed32/fixed64.
    public mutating func readU32LE(_ what: StaticString = "a fixed32") throws -> UInt32 {
        try load(UInt32.self, what).byteSwapped
    }
    public mutating func readU64LE(_ what: StaticString = "a fixed64") throws -> UInt64 {
        try load(UInt64.self, what).byteSwapped
    }

    /// A 32-bit length or count that must be non-negative, as Java writes with `writeInt`.
    public mutating func readCount(_ what: StaticString) throws -> Int {
        let at = index
        let n = try readI32(what)
        guard n >= 0 else { throw error("expected \(what) >= 0, found \(n)", at: at) }
        return Int(n)
    }

    // MARK: byte runs

    public mutating func readBytes(_ count: Int, what: @autoclosure () -> String = "bytes")
        throws -> [UInt8]
    {
        try require(count, for: what())
        defer { index += count }
        return Array(storage[index..<(index + count)])
    }

    /// Calls `body` with the next `count` bytes in place (no copy), then moves past them.
    public mutating func withBytes<R>(
        _ count: Int, what: @autoclosure () -> String = "bytes",
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        try require(count, for: what())
        let from = index
        index += count
        return try storage.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[from..<(from + count)]))
        }
    }
}
