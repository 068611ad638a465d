import Bytes

/// `NullableSerializer`: a null flag; a null is followed by `nullPaddingLength` zero bytes (so the
/// length stays fixed), anything else by the wrapped serializer's bytes.
public struct NullableSerializer: TypeSerializer {
    public let original: any TypeSerializer
    public let nullPaddingLength: Int

    public init(original: any TypeSerializer, nullPaddingLength: Int) {
        self.original = original
        self.nullPaddingLength = nullPaddingLength
    }

    public var readsToEnd: Bool { original.readsToEnd }
    public var flinkLength: Int { nullPaddingLength > 0 ? 1 + nullPaddingLength : -1 }

    public func read(from r: inout ByteReader) throws -> Value {
        guard try r.readBool("a nullable null flag") else { return try original.read(from: &r) }
        try r.skip(nullPaddingLength)
        return .null
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        w.writeBool(value == .null)
        if value == .null {
            w.writeBytes(repeatElement(UInt8(0), count: nullPaddingLength))
        } else {
            try original.write(value, to: &w)
        }
    }

    public func javaHashCode(of value: Value) -> Int32? { original.javaHashCode(of: value) }
}

/// `TtlStateFactory.TtlSerializer`: the last-access timestamp (a `Long`), then the user's value.
public struct TtlSerializer: TypeSerializer {
    public let timestamp: any TypeSerializer
    public let user: any TypeSerializer

    public init(timestamp: any TypeSerializer = PrimitiveSerializer(.long), user: any TypeSerializer) {
        self.timestamp = timestamp
        self.user = user
    }

    /// `CompositeSerializer`: the sum of the fields' lengths, or -1 when one is variable.
    public var readsToEnd: Bool { user.readsToEnd }
    public var flinkLength: Int {
        let a = timestamp.flinkLength, b = user.flinkLength
        return a >= 0 && b >= 0 ? a + b : -1
    }

    public func read(from r: inout ByteReader) throws -> Value {
        let at = r.index
        guard case .int(let t) = try timestamp.read(from: &r) else {
            throw r.error("expected a TTL timestamp of type Long", at: at)
        }
        return .ttl(timestamp: t, value: try user.read(from: &r))
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        guard case .ttl(let t, let v) = value else { throw mismatch(value, expected: "TTL", at: w) }
        try timestamp.write(.int(t), to: &w)
        try user.write(v, to: &w)
    }
}

/// `TimerSerializer`: the timestamp with its sign bit flipped (so timers sort by time as bytes),
/// the key, then the namespace.
public struct TimerSerializer: TypeSerializer {
    public let key: any TypeSerializer
    public let namespace: any TypeSerializer

    public init(key: any TypeSerializer, namespace: any TypeSerializer) {
        self.key = key
        self.namespace = namespace
    }

    public static let signBit = UInt64(1) << 63

    public var readsToEnd: Bool { key.readsToEnd || namespace.readsToEnd }
    public var flinkLength: Int {
        let k = key.flinkLength, n = namespace.flinkLength
        return k >= 0 && n >= 0 ? 8 + k + n : -1
    }

    public func read(from r: inout ByteReader) throws -> Value {
        let stored = try r.readU64("a timer timestamp")
        let timestamp = Int64(bitPattern: stored ^ Self.signBit)
        let k = try key.read(from: &r)
        return .timer(timestamp: timestamp, key: k, namespace: try namespace.read(from: &r))
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        guard case .timer(let t, let k, let n) = value else { throw mismatch(value, expected: "Timer", at: w) }
        w.writeU64(UInt64(bitPattern: t) ^ Self.signBit)
        try key.write(k, to: &w)
        try namespace.write(n, to: &w)
    }
}

/// `VoidNamespaceSerializer`: one `00` byte, although it declares length 0 (which matters for the
/// composite-key ambiguity rule).
public struct VoidNamespaceSerializer: TypeSerializer {
    public init() {}
    public var flinkLength: Int { 0 }

    public func read(from r: inout ByteReader) throws -> Value {
        _ = try r.readU8("the void namespace byte")
        return .voidNamespace
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        guard value == .voidNamespace || value == .null else {
            throw mismatch(value, expected: "VoidNamespace", at: w)
        }
        w.writeU8(0)
    }
}

/// `TimeWindow.Serializer`: i64 start, i64 end.
public struct TimeWindowSerializer: TypeSerializer {
    public init() {}
    public var flinkLength: Int { 16 }

    public func read(from r: inout ByteReader) throws -> Value {
        let start = try r.readI64("a window start")
        return .timeWindow(start: start, end: try r.readI64("a window end"))
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        guard case .timeWindow(let s, let e) = value else { throw mismatch(value, expected: "TimeWindow", at: w) }
        w.writeI64(s)
        w.writeI64(e)
    }
}

/// `GlobalWindow.Serializer`: one `00` byte.
public struct GlobalWindowSerializer: TypeSerializer {
    public init() {}
    public var flinkLength: Int { 1 }

    public func read(from r: inout ByteReader) throws -> Value {
        _ = try r.readU8("the global window byte")
        return .globalWindow
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        guard value == .globalWindow else { throw mismatch(value, expected: "GlobalWindow", at: w) }
        w.writeU8(0)
    }
}
