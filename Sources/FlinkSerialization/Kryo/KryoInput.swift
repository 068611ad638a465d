import Bytes

// Kryo's primitive wire forms (`io/Input.java` / `io/Output.java` in EsotericSoftware/kryo, tags
// `kryo-2.24.0` and `kryo-parent-5.6.2`):
// - varint: 7 bits a byte, least significant group first, high bit = more; at most 5 bytes for an int
//   and 9 for a long (the ninth byte carries 8 bits). Signed values ("optimizePositive" false) are
//   zigzag-encoded: (n << 1) ^ (n >> 63).
// - varint with flag (Kryo 5's `writeVarIntFlag`, Kryo 2.24's UTF-8 string length): the first byte holds
//   the flag in bit 7, "more" in bit 6 and 6 value bits; the following bytes are a plain varint shifted
//   left by 6.
// - string: 0x80 = null, 0x81 = "", an ASCII run whose last byte has bit 7 set, or a varint-with-flag
//   (flag set) of length + 1 followed by that many UTF-16 units, each as 1, 2 or 3 bytes (UTF-8 shapes,
//   surrogates encoded one by one).
// - fixed-width numbers: big-endian in 2.24, little-endian in 5.
extension ByteReader {
    mutating func kryoVarInt(_ what: StaticString) throws -> UInt32 {
        let at = index
        var result: UInt32 = 0
        for i in 0..<5 {
            let b = try readU8(what)
            result |= UInt32(b & 0x7F) << (7 * UInt32(i))
            if b & 0x80 == 0 { return result }
        }
        throw error("expected \(what) (a Kryo varint of at most 5 bytes)", at: at)
    }

    /// A varint that must fit a non-negative Int32 (a count, an id).
    mutating func kryoCount(_ what: StaticString) throws -> Int {
        let at = index
        let v = try kryoVarInt(what)
        guard v <= UInt32(Int32.max) else { throw error("expected \(what), found \(v)", at: at) }
        return Int(v)
    }

    mutating func kryoVarLong(_ what: StaticString) throws -> UInt64 {
        var result: UInt64 = 0
        for i in 0..<8 {
            let b = try readU8(what)
            result |= UInt64(b & 0x7F) << (7 * UInt64(i))
            if b & 0x80 == 0 { return result }
        }
        return result | UInt64(try readU8(what)) << 56
    }

    mutating func kryoZigZagInt(_ what: StaticString) throws -> Int32 {
        let v = try kryoVarInt(what)
        return Int32(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    mutating func kryoZigZagLong(_ what: StaticString) throws -> Int64 {
        let v = try kryoVarLong(what)
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    /// Kryo 5's `readVarIntFlag(true)`: (flag, value).
    mutating func kryoVarIntFlag(_ what: StaticString) throws -> (flag: Bool, value: Int) {
        let at = index
        let first = try readU8(what)
        var result = UInt64(first & 0x3F)
        if first & 0x40 != 0 {
            var shift: UInt64 = 6
            while true {
                let b = try readU8(what)
                result |= UInt64(b & 0x7F) << shift
                if b & 0x80 == 0 { break }
                shift += 7
                guard shift < 35 else { throw error("expected \(what) (a Kryo varint of at most 5 bytes)", at: at) }
            }
        }
        guard result <= UInt64(Int32.max) else { throw error("expected \(what), found \(result)", at: at) }
        return (first & 0x80 != 0, Int(result))
    }

    /// A Kryo string: nil for Java null. Strings with unpaired surrogates come back as `.utf16String`.
    mutating func kryoString(_ what: StaticString = "a Kryo string") throws -> Value {
        let at = index
        guard let first = peekU8() else { throw error("expected \(what), found the end of the input") }
        if first & 0x80 == 0 {
            // ASCII: up to and including the byte with bit 7 set.
            var units: [UInt8] = []
            while true {
                let b = try readU8(what)
                units.append(b & 0x7F)
                if b & 0x80 != 0 { break }
            }
            return .string(String(decoding: units, as: UTF8.self))
        }
        let (_, n) = try kryoVarIntFlag(what)
        if n == 0 { return .null }
        let count = n - 1
        // Every unit takes at least one byte: the length cannot size more than what remains.
        try require(count, for: "a Kryo string of \(count) characters")
        var units: [UInt16] = []
        units.reserveCapacity(count)
        for _ in 0..<count {
            let b = UInt16(try readU8(what))
            switch b >> 4 {
            case 0...7: units.append(b)
            case 12, 13: units.append((b & 0x1F) << 6 | UInt16(try readU8(what) & 0x3F))
            case 14:
                let b2 = UInt16(try readU8(what) & 0x3F), b3 = UInt16(try readU8(what) & 0x3F)
                units.append((b & 0x0F) << 12 | b2 << 6 | b3)
            default: throw error("expected a UTF-8 lead byte in \(what), found 0x\(String(b, radix: 16))", at: at)
            }
        }
        if let s = String(validating: units, as: UTF16.self) { return .string(s) }
        return .utf16String(units)
    }

    mutating func kryoFixed16(_ e: KryoEncoding) throws -> UInt16 {
        let v = try readU16("a Kryo short")
        return e == .kryo2 ? v : v.byteSwapped
    }

    mutating func kryoFixed32(_ e: KryoEncoding) throws -> UInt32 {
        let v = try readU32("a Kryo int")
        return e == .kryo2 ? v : v.byteSwapped
    }

    mutating func kryoFixed64(_ e: KryoEncoding) throws -> UInt64 {
        let v = try readU64("a Kryo long")
        return e == .kryo2 ? v : v.byteSwapped
    }
}
