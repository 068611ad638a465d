import Bytes

/// Flink's serializers of boxed primitives and their `*Value` twins: fixed-width big-endian values.
/// Integer widths share `.int(Int64)`; the serializer remembers the width for writing.
public struct PrimitiveSerializer: TypeSerializer {
    public enum Kind: Sendable {
        case boolean, byte, short, int, long, float, double, char
        /// `VoidSerializer`: one `00` byte for the only value, null.
        case void
        /// `NullValueSerializer`: nothing at all.
        case nullValue
        /// `Date`, `java.sql.Date`, `java.sql.Time`: epoch milliseconds, `Long.MIN_VALUE` for null.
        case epochMillis
    }

    public let kind: Kind
    public init(_ kind: Kind) { self.kind = kind }

    public var flinkLength: Int {
        switch kind {
        case .boolean, .byte, .void: 1
        case .short, .char: 2
        case .int, .float: 4
        case .long, .double, .epochMillis: 8
        case .nullValue: 0
        }
    }

    @inline(__always)
    public func read(from r: inout ByteReader) throws -> Value {
        switch kind {
        case .boolean: return .bool(try r.readBool())
        case .byte: return .int(Int64(try r.readI8()))
        case .short: return .int(Int64(try r.readI16()))
        case .int: return .int(Int64(try r.readI32()))
        case .long: return .int(try r.readI64())
        case .float: return .float(try r.readF32())
        case .double: return .double(try r.readF64())
        case .char: return .char(try r.readU16("a char"))
        case .void:
            _ = try r.readU8("the Void byte")
            return .null
        case .nullValue: return .null
        case .epochMillis:
            let millis = try r.readI64("epoch milliseconds")
            return millis == Int64.min ? .null : .int(millis)
        }
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        switch (kind, value) {
        case (.boolean, .bool(let b)): w.writeBool(b)
        case (.byte, .int(let v)): w.writeI8(try narrow(v, value, w))
        case (.short, .int(let v)): w.writeI16(try narrow(v, value, w))
        case (.int, .int(let v)): w.writeI32(try narrow(v, value, w))
        case (.long, .int(let v)): w.writeI64(v)
        case (.float, .float(let f)): w.writeF32(f)
        case (.double, .double(let d)): w.writeF64(d)
        case (.char, .char(let c)): w.writeU16(c)
        case (.void, .null): w.writeU8(0)
        case (.nullValue, .null): break
        case (.epochMillis, .int(let v)): w.writeI64(v)
        case (.epochMillis, .null): w.writeI64(Int64.min)
        default: throw mismatch(value, expected: "\(kind)", at: w)
        }
    }

    func narrow<T: FixedWidthInteger>(_ v: Int64, _ value: Value, _ w: ByteWriter) throws -> T {
        guard let n = T(exactly: v) else {
            throw FormatError(offset: w.count, "value \(v) does not fit a \(kind) serializer")
        }
        return n
    }

    /// Java's `hashCode()` of the boxed value (`Integer`, `Long`, `Boolean`, `Double`, …).
    public func javaHashCode(of value: Value) -> Int32? {
        switch (kind, value) {
        case (.byte, .int(let v)), (.short, .int(let v)), (.int, .int(let v)):
            return Int32(truncatingIfNeeded: v)
        case (.long, .int(let v)), (.epochMillis, .int(let v)):
            return FlinkHashing.javaHashCode(v)
        case (.boolean, .bool(let b)): return b ? 1231 : 1237
        case (.char, .char(let c)): return Int32(c)
        case (.float, .float(let f)): return Int32(bitPattern: f.isNaN ? 0x7FC0_0000 : f.bitPattern)
        case (.double, .double(let d)):
            let bits = d.isNaN ? Int64(0x7FF8_0000_0000_0000) : Int64(bitPattern: d.bitPattern)
            return FlinkHashing.javaHashCode(bits)
        default: return nil
        }
    }
}

/// `StringSerializer`: Flink's `StringValue` encoding; null is the single byte `00`.
public struct StringSerializer: TypeSerializer {
    public init() {}
    public var flinkLength: Int { -1 }

    public func read(from r: inout ByteReader) throws -> Value {
        let start = r.position
        let lengthPlusOne = try r.readVarUInt32("a string length")
        if lengthPlusOne == 0 { return .null }
        let count = Int(lengthPlusOne) - 1
        // Fast path: an ASCII string's StringValue bytes are its UTF-8 bytes.
        if count <= r.remaining, let s = try asciiString(count, &r) { return .string(s) }
        try r.seek(to: start)
        guard let units = try r.readStringValueUnits() else { return .null }
        return Self.value(of: units)
    }

    func asciiString(_ count: Int, _ r: inout ByteReader) throws -> String? {
        let isASCII = r.storage.withUnsafeBufferPointer { b in
            !b[r.index..<(r.index + count)].contains { $0 >= 0x80 }
        }
        guard isASCII else { return nil }
        return try r.withBytes(count, what: "a string") { String(decoding: $0, as: UTF8.self) }
    }

    /// `.string` for well-formed UTF-16, `.utf16String` when an unpaired surrogate must be kept.
    static func value(of units: [UInt16]) -> Value {
        var i = 0
        while i < units.count {
            let u = units[i]
            if UTF16.isLeadSurrogate(u), i + 1 < units.count, UTF16.isTrailSurrogate(units[i + 1]) {
                i += 2
            } else if UTF16.isLeadSurrogate(u) || UTF16.isTrailSurrogate(u) {
                return .utf16String(units)
            } else {
                i += 1
            }
        }
        return .string(String(decoding: units, as: UTF16.self))
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        switch value {
        case .string(let s): w.writeStringValue(s)
        case .utf16String(let units): w.writeStringValueUnits(units)
        case .null: w.writeStringValue(nil)
        default: throw mismatch(value, expected: "String", at: w)
        }
    }

    public func javaHashCode(of value: Value) -> Int32? {
        switch value {
        case .string(let s): return FlinkHashing.javaHashCode(s)
        case .utf16String(let units): return units.reduce(Int32(0)) { $0 &* 31 &+ Int32($1) }
        default: return nil
        }
    }
}

/// `InstantSerializer`: i64 epoch second, i32 nano; null is (`Long.MIN_VALUE`, `Integer.MIN_VALUE`).
public struct InstantSerializer: TypeSerializer {
    public init() {}
    public var flinkLength: Int { 12 }

    public func read(from r: inout ByteReader) throws -> Value {
        let seconds = try r.readI64("an instant's epoch second")
        let nanos = try r.readI32("an instant's nanosecond")
        if seconds == Int64.min, nanos == Int32.min { return .null }
        return .instant(seconds: seconds, nanos: nanos)
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        switch value {
        case .instant(let s, let n): w.writeI64(s); w.writeI32(n)
        case .null: w.writeI64(Int64.min); w.writeI32(Int32.min)
        default: throw mismatch(value, expected: "Instant", at: w)
        }
    }

    /// `Instant.hashCode()`: `((int) (seconds ^ (seconds >>> 32))) + 51 * nanos`.
    public func javaHashCode(of value: Value) -> Int32? {
        guard case .instant(let s, let n) = value else { return nil }
        return FlinkHashing.javaHashCode(s) &+ 51 &* n
    }
}
