import Bytes

/// `TupleSerializer` (`Tuple1` … `Tuple25`): the fields in order, no null support. `Tuple0` writes
/// one marker byte (42).
public struct TupleSerializer: TypeSerializer {
    public let tupleClass: String
    public let fields: [any TypeSerializer]

    public init(tupleClass: String, fields: [any TypeSerializer]) {
        self.tupleClass = tupleClass
        self.fields = fields
    }

    /// `Tuple0Serializer`'s only byte.
    static let tuple0Marker: UInt8 = 42

    /// `TupleSerializerBase.getLength()`: the sum when every field has a positive fixed length.
    public var readsToEnd: Bool { fields.contains { $0.readsToEnd } }
    public var flinkLength: Int {
        if fields.isEmpty { return 1 }
        var sum = 0
        for f in fields {
            guard f.flinkLength > 0 else { return -1 }
            sum += f.flinkLength
        }
        return sum
    }

    public func read(from r: inout ByteReader) throws -> Value {
        if fields.isEmpty {
            let at = r.index
            let marker = try r.readU8("the Tuple0 byte")
            guard marker == Self.tuple0Marker else {
                throw r.error("expected the Tuple0 byte 42, found \(marker)", at: at)
            }
            return .tuple([])
        }
        var values = [Value]()
        values.reserveCapacity(fields.count)
        // Through a buffer pointer the serializers are borrowed, not copied (an existential copy per
        // field is measurable on the dump path).
        try fields.withUnsafeBufferPointer { fields in
            for i in 0..<fields.count { values.append(try fields[i].read(from: &r)) }
        }
        return .tuple(values)
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        guard case .tuple(let values) = value, values.count == fields.count else {
            throw mismatch(value, expected: "Tuple\(fields.count)", at: w)
        }
        if fields.isEmpty { w.writeU8(Self.tuple0Marker); return }
        for (f, v) in zip(fields, values) { try f.write(v, to: &w) }
    }

    /// `TupleN.hashCode()`: `31 * h + field.hashCode()` from 0 (null fields hash to 0).
    public func javaHashCode(of value: Value) -> Int32? {
        guard case .tuple(let values) = value, values.count == fields.count else { return nil }
        var h: Int32 = 0
        for (f, v) in zip(fields, values) {
            var code: Int32 = 0
            if v != .null {
                guard let c = f.javaHashCode(of: v) else { return nil }
                code = c
            }
            h = 31 &* h &+ code
        }
        return h
    }
}

/// `RowSerializer`: a bit mask (row kind bits when supported, then one "is null" bit per field, most
/// significant bit first, zero-padded to whole bytes), then the non-null fields.
public struct RowSerializer: TypeSerializer {
    public let fields: [any TypeSerializer]
    public let supportsRowKind: Bool

    public init(fields: [any TypeSerializer], supportsRowKind: Bool) {
        self.fields = fields
        self.supportsRowKind = supportsRowKind
    }

    /// Row kind bits before the field bits (`RowSerializer.ROW_KIND_OFFSET`).
    static let rowKindBits = 2
    var kindOffset: Int { supportsRowKind ? Self.rowKindBits : 0 }
    var maskBytes: Int { (kindOffset + fields.count + 7) / 8 }

    public var readsToEnd: Bool { fields.contains { $0.readsToEnd } }
    public var flinkLength: Int { -1 }

    public func read(from r: inout ByteReader) throws -> Value {
        let mask = try r.readBytes(maskBytes, what: "a row null mask")
        func bit(_ i: Int) -> Bool { mask[i >> 3] & (0x80 >> UInt8(i & 7)) != 0 }
        var kind: UInt8?
        if supportsRowKind { kind = (bit(0) ? 1 : 0) | (bit(1) ? 2 : 0) }
        var values = [Value]()
        values.reserveCapacity(fields.count)
        for (i, f) in fields.enumerated() {
            values.append(bit(kindOffset + i) ? .null : try f.read(from: &r))
        }
        return .row(kind: kind, fields: values)
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        guard case .row(let kind, let values) = value, values.count == fields.count else {
            throw mismatch(value, expected: "Row of \(fields.count) fields", at: w)
        }
        var mask = [UInt8](repeating: 0, count: maskBytes)
        func set(_ i: Int) { mask[i >> 3] |= 0x80 >> UInt8(i & 7) }
        if supportsRowKind {
            let k = kind ?? 0
            if k & 1 != 0 { set(0) }
            if k & 2 != 0 { set(1) }
        }
        for (i, v) in values.enumerated() where v == .null { set(kindOffset + i) }
        w.writeBytes(mask)
        for (f, v) in zip(fields, values) where v != .null { try f.write(v, to: &w) }
    }
}
