import Bytes

// Direct bytes → JSON renderers of the serializers that dumps meet most. Each one mirrors its
// serializer's `read` (the same bytes consumed, the same checks, so it fails exactly where `read`
// fails) and appends what `ValueJSON.append` would append for the value `read` returns.
// Serializers not listed here use the default: read a `Value`, then render it.

extension PrimitiveSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout [UInt8]) throws {
        switch kind {
        case .boolean: ValueJSON.appendASCII(try r.readBool() ? "true" : "false", to: &out)
        case .byte: ValueJSON.appendInteger(Int64(try r.readI8()), to: &out)
        case .short: ValueJSON.appendInteger(Int64(try r.readI16()), to: &out)
        case .int: ValueJSON.appendInteger(Int64(try r.readI32()), to: &out)
        case .long: ValueJSON.appendInteger(try r.readI64(), to: &out)
        case .float: ValueJSON.appendFloatingPoint(try r.readF32(), to: &out)
        case .double: ValueJSON.appendFloatingPoint(try r.readF64(), to: &out)
        case .char: ValueJSON.appendUTF16([try r.readU16("a char")], to: &out)
        case .void:
            _ = try r.readU8("the Void byte")
            ValueJSON.appendNull(to: &out)
        case .nullValue: ValueJSON.appendNull(to: &out)
        case .epochMillis:
            let millis = try r.readI64("epoch milliseconds")
            if millis == Int64.min { ValueJSON.appendNull(to: &out) } else { ValueJSON.appendInteger(millis, to: &out) }
        }
    }
}

extension StringSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout [UInt8]) throws {
        try ValueJSON.appendStringValue(from: &r, to: &out)
    }
}

extension PrimitiveArraySerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout [UInt8]) throws {
        let count = try r.readCount("an array length")
        if element == .byte {
            try r.withBytes(count, what: "a byte array") { ValueJSON.appendTagged("{\"$bytes\":\"", $0, to: &out) }
            return
        }
        let (total, overflow) = count.multipliedReportingOverflow(by: minElementBytes)
        try r.require(overflow ? Int.max : total, for: "an array of \(count) elements")
        let scalar = self.scalar
        out.append(UInt8(ascii: "["))
        for i in 0..<count {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            try scalar.appendJSON(from: &r, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }
}

extension ListSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout [UInt8]) throws {
        let count = try r.readCount("a collection size")
        try r.require(count, for: "a collection of \(count) elements")
        out.append(UInt8(ascii: "["))
        for i in 0..<count {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            if nullFlags != .none {
                let flag = try r.readBool("an element null flag")
                if flag == (nullFlags == .trueMeansNull) {
                    ValueJSON.appendNull(to: &out)
                    continue
                }
            }
            try element.appendJSON(from: &r, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }
}

extension MapSerializer {
    /// Keys and values are rendered into one scratch buffer first: the output is sorted by the
    /// JSON text of the keys, as `ValueJSON` sorts a decoded map.
    public func appendJSON(from r: inout ByteReader, to out: inout [UInt8]) throws {
        let count = try r.readCount("a map size")
        try r.require(count, for: "a map of \(count) entries")
        var scratch = [UInt8]()
        // Per entry: where its key starts, where its value starts, where its value ends.
        var spans = [(key: Int, value: Int, end: Int)]()
        spans.reserveCapacity(count)
        for _ in 0..<count {
            let keyStart = scratch.count
            try key.appendJSON(from: &r, to: &scratch)
            let valueStart = scratch.count
            if try r.readBool("a map value null flag") {
                ValueJSON.appendNull(to: &scratch)
            } else {
                try value.appendJSON(from: &r, to: &scratch)
            }
            spans.append((keyStart, valueStart, scratch.count))
        }
        let order = spans.indices.sorted {
            scratch[spans[$0].key..<spans[$0].value].lexicographicallyPrecedes(scratch[spans[$1].key..<spans[$1].value])
        }
        ValueJSON.appendASCII("{\"$map\":[", to: &out)
        for (n, i) in order.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            out.append(contentsOf: scratch[spans[i].key..<spans[i].value])
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: scratch[spans[i].value..<spans[i].end])
            out.append(UInt8(ascii: "]"))
        }
        ValueJSON.appendASCII("]}", to: &out)
    }
}

extension TupleSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout [UInt8]) throws {
        if fields.isEmpty {
            _ = try read(from: &r)
            ValueJSON.appendASCII("[]", to: &out)
            return
        }
        out.append(UInt8(ascii: "["))
        try fields.withUnsafeBufferPointer { fields in
            for i in 0..<fields.count {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try fields[i].appendJSON(from: &r, to: &out)
            }
        }
        out.append(UInt8(ascii: "]"))
    }
}

extension RowSerializer {
    /// The row kind is not shown, as in `ValueJSON`.
    public func appendJSON(from r: inout ByteReader, to out: inout [UInt8]) throws {
        let mask = try r.readBytes(maskBytes, what: "a row null mask")
        func bit(_ i: Int) -> Bool { mask[i >> 3] & (0x80 >> UInt8(i & 7)) != 0 }
        out.append(UInt8(ascii: "["))
        for (i, f) in fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            if bit(kindOffset + i) { ValueJSON.appendNull(to: &out) } else { try f.appendJSON(from: &r, to: &out) }
        }
        out.append(UInt8(ascii: "]"))
    }
}

extension PojoSerializer {
    /// Plain POJOs directly; a subclass (rare, and possibly raw) goes through `read`.
    public func appendJSON(from r: inout ByteReader, to out: inout [UInt8]) throws {
        let start = r.position
        let flags = try r.readU8("the POJO flags")
        if flags & Self.isNull != 0 {
            ValueJSON.appendNull(to: &out)
        } else if flags & Self.noSubclass != 0 {
            try appendFieldsJSON(from: &r, to: &out)
        } else {
            try r.seek(to: start)
            ValueJSON.append(try read(from: &r), to: &out)
        }
    }

    func appendFieldsJSON(from r: inout ByteReader, to out: inout [UInt8]) throws {
        out.append(UInt8(ascii: "{"))
        for (i, (name, serializer)) in zip(fieldNames, fieldSerializers).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            ValueJSON.appendString(name, to: &out)
            out.append(UInt8(ascii: ":"))
            if try r.readBool("a POJO field null flag") {
                ValueJSON.appendNull(to: &out)
                continue
            }
            guard let serializer else {
                throw r.error("POJO field \(name) of \(className) has no serializer in the snapshot")
            }
            try serializer.appendJSON(from: &r, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}

extension EnumSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout [UInt8]) throws {
        let at = r.index
        let i = try r.readI32("an enum constant index")
        guard i >= 0, Int(i) < constants.count else {
            throw r.error("enum \(enumClass) has \(constants.count) constants, found index \(i)", at: at)
        }
        ValueJSON.appendString(constants[Int(i)], to: &out)
    }
}

extension NullableSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout [UInt8]) throws {
        guard try r.readBool("a nullable null flag") else { return try original.appendJSON(from: &r, to: &out) }
        try r.skip(nullPaddingLength)
        ValueJSON.appendNull(to: &out)
    }
}

extension TtlSerializer {
    /// Only the user's value, as `ValueJSON` renders `.ttl` (the dump prints a top-level TTL
    /// timestamp in a field of its own; that is the caller's business).
    public func appendJSON(from r: inout ByteReader, to out: inout [UInt8]) throws {
        let at = r.index
        guard case .int = try timestamp.read(from: &r) else {
            throw r.error("expected a TTL timestamp of type Long", at: at)
        }
        try user.appendJSON(from: &r, to: &out)
    }
}

extension TimerSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout [UInt8]) throws {
        let timestamp = try readTimestamp(from: &r)
        ValueJSON.appendASCII("{\"timestamp\":", to: &out)
        ValueJSON.appendInteger(timestamp, to: &out)
        ValueJSON.appendASCII(",\"key\":", to: &out)
        try key.appendJSON(from: &r, to: &out)
        ValueJSON.appendASCII(",\"namespace\":", to: &out)
        try namespace.appendJSON(from: &r, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// The timer's timestamp, its sign bit flipped back.
    public func readTimestamp(from r: inout ByteReader) throws -> Int64 {
        Int64(bitPattern: try r.readU64("a timer timestamp") ^ Self.signBit)
    }
}

extension VoidNamespaceSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout [UInt8]) throws {
        _ = try r.readU8("the void namespace byte")
        ValueJSON.appendNull(to: &out)
    }
}

extension TimeWindowSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout [UInt8]) throws {
        let start = try r.readI64("a window start")
        let end = try r.readI64("a window end")
        ValueJSON.appendASCII("{\"start\":", to: &out)
        ValueJSON.appendInteger(start, to: &out)
        ValueJSON.appendASCII(",\"end\":", to: &out)
        ValueJSON.appendInteger(end, to: &out)
        out.append(UInt8(ascii: "}"))
    }
}

extension GlobalWindowSerializer {
    public func appendJSON(from r: inout ByteReader, to out: inout [UInt8]) throws {
        _ = try r.readU8("the global window byte")
        ValueJSON.appendASCII("\"global\"", to: &out)
    }
}

extension OpaqueSerializer {
    /// Kryo and other opaque values: their bytes in place, as `{"$raw":…}`.
    public func appendJSON(from r: inout ByteReader, to out: inout [UInt8]) throws {
        try r.withBytes(r.remaining, what: typeDescription) { ValueJSON.appendTagged("{\"$raw\":\"", $0, to: &out) }
    }
}
