import Bytes

/// A serializer the toolkit cannot decode (Kryo, Avro, user types): its value is all the bytes that
/// remain in the reader, which is exact wherever Flink frames values by length (a keyed-state value,
/// a map-state user value, an operator-state element read through its length prefix).
public struct OpaqueSerializer: TypeSerializer {
    /// What the bytes are, for messages ("Kryo com.example.Thing").
    public let typeDescription: String
    public init(typeDescription: String) { self.typeDescription = typeDescription }

    public var readsToEnd: Bool { true }
    public var flinkLength: Int { -1 }

    public func read(from r: inout ByteReader) throws -> Value {
        .raw(try r.readBytes(r.remaining, what: typeDescription))
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        guard case .raw(let bytes) = value else { throw mismatch(value, expected: typeDescription, at: w) }
        w.writeBytes(bytes)
    }
}

/// Fixed-width values with no model case (`java.sql.Timestamp`, `LocalDate`, …), kept as raw bytes:
/// exact, and skippable because the width is known.
public struct FixedRawSerializer: TypeSerializer {
    public let length: Int
    public init(length: Int) { self.length = length }

    public var flinkLength: Int { length }

    public func read(from r: inout ByteReader) throws -> Value {
        .raw(try r.readBytes(length, what: "a \(length)-byte value"))
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        guard case .raw(let bytes) = value, bytes.count == length else {
            throw mismatch(value, expected: "\(length)-byte", at: w)
        }
        w.writeBytes(bytes)
    }
}

/// Values written as i32 lengths followed by that many bytes each (`Bitmap`: one; `Variant`: value
/// and metadata), kept as their exact bytes.
public struct LengthPrefixedRawSerializer: TypeSerializer {
    public let lengthCount: Int
    public init(lengthCount: Int) { self.lengthCount = lengthCount }

    public var flinkLength: Int { -1 }

    public func read(from r: inout ByteReader) throws -> Value {
        let start = r.index
        var total = 0
        for _ in 0..<lengthCount { total += try r.readCount("a byte length") }
        try r.skip(total)
        return .raw(Array(r.storage[start..<r.index]))
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        guard case .raw(let bytes) = value else { throw mismatch(value, expected: "length-prefixed", at: w) }
        w.writeBytes(bytes)
    }
}

/// `BigIntSerializer` / `BigDecSerializer`, kept as their exact bytes. A big integer is an i32
/// (0 null; 1, 2, 3 the constants 0, 1, 10; else 4 + the two's-complement byte count) and the
/// bytes; a non-null big decimal adds an i32 scale.
public struct BigNumberSerializer: TypeSerializer {
    public let isDecimal: Bool
    public init(isDecimal: Bool) { self.isDecimal = isDecimal }

    public var flinkLength: Int { -1 }

    public func read(from r: inout ByteReader) throws -> Value {
        let start = r.index
        let header = try r.readCount("a big integer length")
        if header > 3 { try r.skip(header - 4) }
        if isDecimal, header != 0 { try r.skip(4) }
        return .raw(Array(r.storage[start..<r.index]))
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        guard case .raw(let bytes) = value else { throw mismatch(value, expected: "BigInteger", at: w) }
        w.writeBytes(bytes)
    }
}

/// `EitherSerializer` (Java `Either`): a flag (true = left), then the left or right value. There is
/// no model case for `Either`, so the value is kept as its exact bytes after checking it decodes.
public struct EitherSerializer: TypeSerializer {
    public let left: any TypeSerializer
    public let right: any TypeSerializer

    public init(left: any TypeSerializer, right: any TypeSerializer) {
        self.left = left
        self.right = right
    }

    public var readsToEnd: Bool { left.readsToEnd || right.readsToEnd }
    public var flinkLength: Int { -1 }

    public func read(from r: inout ByteReader) throws -> Value {
        let start = r.index
        let isLeft = try r.readBool("the Either flag")
        _ = try (isLeft ? left : right).read(from: &r)
        return .raw(Array(r.storage[start..<r.index]))
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        guard case .raw(let bytes) = value else { throw mismatch(value, expected: "Either", at: w) }
        w.writeBytes(bytes)
    }
}

/// `IntervalJoinOperator.BufferEntrySerializer`: a "has been joined" flag, then the element. There is
/// no model case, so an entry is the tuple `[element, joined]`.
public struct BufferEntrySerializer: TypeSerializer {
    public let element: any TypeSerializer
    public init(element: any TypeSerializer) { self.element = element }

    public var readsToEnd: Bool { element.readsToEnd }
    public var flinkLength: Int { -1 }

    public func read(from r: inout ByteReader) throws -> Value {
        let joined = try r.readBool("the buffer entry joined flag")
        return .tuple([try element.read(from: &r), .bool(joined)])
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        guard case .tuple(let fields) = value, fields.count == 2, case .bool(let joined) = fields[1] else {
            throw mismatch(value, expected: "BufferEntry", at: w)
        }
        w.writeBool(joined)
        try element.write(fields[0], to: &w)
    }
}
