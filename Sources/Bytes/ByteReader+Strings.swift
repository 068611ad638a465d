/// Java's two string encodings: modified UTF-8 (`DataInput.readUTF`, used for names, class names and
/// paths in metadata) and Flink's `StringValue` (used by `StringSerializer` for data).
/// Both work on UTF-16 code units, so unpaired surrogates survive a round trip.
extension ByteReader {
    /// `DataInput.readUTF`: u16 byte length, then modified UTF-8.
    ///
    /// Refuses encodings that would not be written back byte for byte (a raw NUL, overlong forms,
    /// unpaired surrogates): Java's writer never produces them, and a silent change on write is
    /// worse than an error.
    public mutating func readModifiedUTF8(_ what: StaticString = "a modified UTF-8 string")
        throws -> String
    {
        let length = Int(try readU16(what))
        let at = index, base = baseOffset
        let raw = try readBytes(length, what: "\(what)")
        let units = try raw.withUnsafeBytes { buffer in
            try ModifiedUTF8.decode(buffer, errorAt: {
                FormatError(offset: base + at + $0, "malformed modified UTF-8 in \(what)")
            })
        }
        let string = String(decoding: units, as: UTF16.self)
        guard ModifiedUTF8.encode(string) == raw else {
            throw FormatError(offset: base + at - 2, "\(what) is not canonical modified UTF-8 and could not be written back unchanged")
        }
        return string
    }

    /// The UTF-16 units of a Flink `StringValue` (LEB128 length + 1, 0 = null, then each unit as
    /// LEB128), kept as units so that unpaired surrogates stay exact.
    public mutating func readStringValueUnits() throws -> [UInt16]? {
        let at = index
        let lengthPlusOne = try readVarUInt32("a string length")
        if lengthPlusOne == 0 { return nil }
        let count = Int(lengthPlusOne) - 1
        // Each unit takes at least one byte: a bound against the bytes left before allocating.
        guard count <= remaining else {
            throw error("string of \(count) characters cannot fit in \(remaining) remaining bytes", at: at)
        }
        var units = [UInt16]()
        units.reserveCapacity(count)
        for _ in 0..<count {
            let c = try readVarUInt32("a string character")
            guard c <= 0xFFFF else { throw error("string character \(c) is not a UTF-16 unit") }
            units.append(UInt16(c))
        }
        return units
    }

    /// LEB128 unsigned varint, at most 5 bytes (RocksDB `GetVarint32`, Flink `StringValue` lengths).
    public mutating func readVarUInt32(_ what: StaticString = "a varint32") throws -> UInt32 {
        // One byte, the common case, without the loop.
        if index < end, storage[index] < 0x80 { return UInt32(try readU8(what)) }
        let at = index
        var result: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            let byte = try readU8(what)
            if shift == 28, byte > 0x0F {
                throw error("\(what) overflows 32 bits", at: at)
            }
            result |= UInt32(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// LEB128 unsigned varint, at most 10 bytes (RocksDB `GetVarint64`).
    public mutating func readVarUInt64(_ what: StaticString = "a varint64") throws -> UInt64 {
        if index < end, storage[index] < 0x80 { return UInt64(try readU8(what)) }
        let at = index
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readU8(what)
            if shift == 63, byte > 1 { throw error("\(what) overflows 64 bits", at: at) }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }
}

/// Modified UTF-8 as Java's `DataOutput.writeUTF` writes it.
public enum ModifiedUTF8 {
    /// Decodes to UTF-16 units; `errorAt` builds the error for a bad byte at a relative index.
    public static func decode(
        _ raw: UnsafeRawBufferPointer, errorAt: (Int) -> FormatError
    ) throws -> [UInt16] {
        var units = [UInt16]()
        units.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            let b0 = raw[i]
            if b0 < 0x80 {
                units.append(UInt16(b0)); i += 1
            } else if b0 & 0xE0 == 0xC0 {
                guard i + 1 < raw.count, raw[i + 1] & 0xC0 == 0x80 else { throw errorAt(i) }
                units.append(UInt16(b0 & 0x1F) << 6 | UInt16(raw[i + 1] & 0x3F)); i += 2
            } else if b0 & 0xF0 == 0xE0 {
                guard i + 2 < raw.count, raw[i + 1] & 0xC0 == 0x80, raw[i + 2] & 0xC0 == 0x80 else {
                    throw errorAt(i)
                }
                units.append(UInt16(b0 & 0x0F) << 12 | UInt16(raw[i + 1] & 0x3F) << 6 | UInt16(raw[i + 2] & 0x3F))
                i += 3
            } else {
                throw errorAt(i)
            }
        }
        return units
    }

    /// Encodes a string's UTF-16 units (without the length prefix).
    public static func encode(_ string: String) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(string.utf16.count)
        for c in string.utf16 {
            switch c {
            case 0x0001...0x007F: out.append(UInt8(c))
            case 0x0000, 0x0080...0x07FF:
                out.append(0xC0 | UInt8(c >> 6)); out.append(0x80 | UInt8(c & 0x3F))
            default:
                out.append(0xE0 | UInt8(c >> 12)); out.append(0x80 | UInt8((c >> 6) & 0x3F))
                out.append(0x80 | UInt8(c & 0x3F))
            }
        }
        return out
    }
}
