import Bytes

// The walk of each serializer that dumps meet most over its bytes, driving `JSONEmitter` as
// `JSONEmitter.value` does for the value `read` returns. Each one mirrors its serializer's `read`
// (the same bytes consumed, the same checks, so it fails exactly where `read` fails).
// Serializers not listed here use the default: read a `Value`, then walk it.

extension PrimitiveSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        switch kind {
        case .boolean: out.bool(try r.readBool())
        case .byte: out.integer(Int64(try r.readI8()))
        case .short: out.integer(Int64(try r.readI16()))
        case .int: out.integer(Int64(try r.readI32()))
        case .long: out.integer(try r.readI64())
        case .float: out.floatingPoint(try r.readF32())
        case .double: out.floatingPoint(try r.readF64())
        case .char: out.utf16(CollectionOfOne(try r.readU16("a char")))
        case .void:
            _ = try r.readU8("the Void byte")
            out.null()
        case .nullValue: out.null()
        case .epochMillis:
            let millis = try r.readI64("epoch milliseconds")
            if millis == Int64.min { out.null() } else { out.integer(millis) }
        }
    }
}

extension StringSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        try out.stringValue(from: &r)
    }
}

extension PrimitiveArraySerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        let count = try r.readCount("an array length")
        if element == .byte {
            return try r.withBytes(count, what: "a byte array") { out.tagged("{\"$bytes\":\"", $0) }
        }
        let (total, overflow) = count.multipliedReportingOverflow(by: minElementBytes)
        try r.require(overflow ? Int.max : total, for: "an array of \(count) elements")
        let scalar = self.scalar
        try out.array(count: count) { _, out in try scalar.appendJSON(from: &r, to: &out) }
    }
}

extension ListSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        let count = try r.readCount("a collection size")
        try r.require(count, for: "a collection of \(count) elements")
        try out.array(count: count) { _, out in
            if nullFlags != .none, try r.readBool("an element null flag") == (nullFlags == .trueMeansNull) {
                return out.null()
            }
            try element.appendJSON(from: &r, to: &out)
        }
    }
}

extension MapSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        let count = try r.readCount("a map size")
        try r.require(count, for: "a map of \(count) entries")
        try out.sortedMap(count: count) { _, out in
            try key.appendJSON(from: &r, to: &out)
            let valueStart = out.count
            if try r.readBool("a map value null flag") { out.null() } else { try value.appendJSON(from: &r, to: &out) }
            return valueStart
        }
    }
}

extension TupleSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        if fields.isEmpty { _ = try read(from: &r) }
        try fields.withUnsafeBufferPointer { fields in
            try out.array(count: fields.count) { i, out in try fields[i].appendJSON(from: &r, to: &out) }
        }
    }
}

extension RowSerializer {
    /// The row kind is not shown, as in `JSONEmitter.value`.
    public func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        let mask = try r.readBytes(maskBytes, what: "a row null mask")
        func isNull(_ i: Int) -> Bool { mask[i >> 3] & (0x80 >> UInt8(i & 7)) != 0 }
        try out.array(count: fields.count) { i, out in
            if isNull(kindOffset + i) { out.null() } else { try fields[i].appendJSON(from: &r, to: &out) }
        }
    }
}

extension PojoSerializer {
    /// Plain POJOs directly; a subclass (rare, and possibly raw) goes through `read`.
    public func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        let start = r.position
        let flags = try r.readU8("the POJO flags")
        if flags & Self.isNull != 0 {
            out.null()
        } else if flags & Self.noSubclass != 0 {
            try appendFieldsJSON(from: &r, to: &out)
        } else {
            try r.seek(to: start)
            out.value(try read(from: &r))
        }
    }

    func appendFieldsJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        out.byte(UInt8(ascii: "{"))
        for (i, (name, serializer)) in zip(fieldNames, fieldSerializers).enumerated() {
            if i > 0 { out.byte(UInt8(ascii: ",")) }
            out.field(name)
            if try r.readBool("a POJO field null flag") {
                out.null()
                continue
            }
            guard let serializer else {
                throw r.error("POJO field \(name) of \(className) has no serializer in the snapshot")
            }
            try serializer.appendJSON(from: &r, to: &out)
        }
        out.byte(UInt8(ascii: "}"))
    }
}

extension EnumSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        let at = r.index
        let i = try r.readI32("an enum constant index")
        guard i >= 0, Int(i) < constants.count else {
            throw r.error("enum \(enumClass) has \(constants.count) constants, found index \(i)", at: at)
        }
        out.string(constants[Int(i)])
    }
}

extension NullableSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        guard try r.readBool("a nullable null flag") else { return try original.appendJSON(from: &r, to: &out) }
        try r.skip(nullPaddingLength)
        out.null()
    }
}

extension TtlSerializer {
    /// Only the user's value, as `JSONEmitter.value` writes `.ttl` (the dump prints a top-level TTL
    /// timestamp in a field of its own; that is the caller's business).
    public func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        let at = r.index
        guard case .int = try timestamp.read(from: &r) else {
            throw r.error("expected a TTL timestamp of type Long", at: at)
        }
        try user.appendJSON(from: &r, to: &out)
    }
}

extension TimerSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        out.write("{\"timestamp\":"); out.integer(try readTimestamp(from: &r))
        out.write(",\"key\":"); try key.appendJSON(from: &r, to: &out)
        out.write(",\"namespace\":"); try namespace.appendJSON(from: &r, to: &out)
        out.byte(UInt8(ascii: "}"))
    }

    /// The timer's timestamp, its sign bit flipped back.
    public func readTimestamp(from r: inout ByteReader) throws -> Int64 {
        Int64(bitPattern: try r.readU64("a timer timestamp") ^ Self.signBit)
    }
}

extension VoidNamespaceSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        _ = try r.readU8("the void namespace byte")
        out.null()
    }
}

extension TimeWindowSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        let start = try r.readI64("a window start")
        out.timeWindow(start: start, end: try r.readI64("a window end"))
    }
}

extension GlobalWindowSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        _ = try r.readU8("the global window byte")
        out.write("\"global\"")
    }
}

extension OpaqueSerializer {
    /// Kryo and other opaque values: their bytes in place, as `{"$raw":…}`.
    public func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        try r.withBytes(r.remaining, what: typeDescription) { out.tagged("{\"$raw\":\"", $0) }
    }
}
