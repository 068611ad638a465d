/// Writes Java `DataOutput`-style values (big-endian) into a growing byte array: the mirror of
/// `ByteReader`, so every format's writer produces exactly what its reader consumes.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    public mutating func removeAll(keepingCapacity: Bool = true) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
    }

    /// Byte by byte: cheaper than a `memmove` call for 2 to 8 bytes, and this runs per field.
    @inline(__always)
    mutating func store<T: FixedWidthInteger>(_ value: T) {
        var shift = T.bitWidth - 8
        while shift >= 0 {
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
            shift -= 8
        }
    }

    public mutating func writeU8(_ v: UInt8) { bytes.append(v) }
    public mutating func writeI8(_ v: Int8) { bytes.append(UInt8(bitPattern: v)) }
    public mutating func writeBool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    public mutating func writeU16(_ v: UInt16) { store(v) }
    public mutating func writeI16(_ v: Int16) { store(v) }
    public mutating func writeI32(_ v: Int32) { store(v) }
    public mutating func writeU32(_ v: UInt32) { store(v) }
    public mutating func writeI64(_ v: Int64) { store(v) }
    public mutating func writeU64(_ v: UInt64) { store(v) }
    public mutating func writeF32(_ v: Float) { store(v.bitPattern) }
    public mutating func writeF64(_ v: Double) { store(v.bitPattern) }
    public mutating func writeU32LE(_ v: UInt32) { store(v.byteSwapped) }
    public mutating func writeU64LE(_ v: UInt64) { store(v.byteSwapped) }

    /// Writes a count or length as Java's `writeInt`.
    public mutating func writeCount(_ n: Int) { store(Int32(truncatingIfNeeded: n)) }

    public mutating func writeBytes<C: Collection>(_ b: C) where C.Element == UInt8 {
        bytes.append(contentsOf: b)
    }

    /// `DataOutput.writeUTF`. Java refuses strings over 65535 encoded bytes; so do we.
    public mutating func writeModifiedUTF8(_ s: String) throws {
        let encoded = ModifiedUTF8.encode(s)
        guard encoded.count <= 0xFFFF else {
            throw FormatError(offset: bytes.count, "string of \(encoded.count) bytes is too long for writeUTF")
        }
        writeU16(UInt16(encoded.count))
        bytes.append(contentsOf: encoded)
    }

    /// Flink `StringValue` encoding; `nil` writes the null marker.
    public mutating func writeStringValue(_ s: String?) {
        guard let s else { writeVarUInt32(0); return }
        writeStringValueUnits(Array(s.utf16))
    }

    public mutating func writeStringValueUnits(_ units: [UInt16]) {
        writeVarUInt32(UInt32(units.count + 1))
        for u in units { writeVarUInt32(UInt32(u)) }
    }

    public mutating func writeVarUInt32(_ v: UInt32) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }

    public mutating func writeVarUInt64(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
}
