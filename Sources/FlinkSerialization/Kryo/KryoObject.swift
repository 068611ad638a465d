/// One object of a Kryo value as the decoder read it, without the job's classes: its class, what
/// the class's default serializer wrote, and the references as Kryo wrote them. `KryoDecoding`
/// turns it into a `Value` (dump); `KryoWriter` writes it in the other encoding (`upgrade`).
public indirect enum KryoObject: Equatable, Sendable {
    case null
    /// An object written before in the same value, by its reference id (`MapReferenceResolver`:
    /// ids in the order objects start, every class but the boxed primitives).
    case reference(Int)
    /// `id`: the reference id the object took (nil: a boxed primitive, or a primitive field).
    case object(className: String, content: KryoContent, id: Int?)

    public var className: String? {
        if case .object(let cls, _, _) = self { return cls }
        return nil
    }
}

/// What a default serializer wrote for one object (which serializer: the object's class).
public indirect enum KryoContent: Equatable, Sendable {
    /// A boxed primitive as `Value`: `.int`, `.float`, `.double`, `.char`, `.bool`; `.null` for `void`.
    case primitive(Value)
    /// `String`, `StringBuilder`, `StringBuffer`, `Currency`: `.string`, `.utf16String`, or `.null`.
    case string(Value)
    /// Two's-complement big-endian bytes (`BigInteger.toByteArray()`).
    case bigInteger([UInt8])
    case bigDecimal(unscaled: [UInt8], scale: Int32)
    case uuid(most: Int64, least: Int64)
    /// `Date`, `java.sql.Date`, `java.sql.Time`: epoch milliseconds.
    case epochMillis(Int64)
    /// A length of 0 where the serializer was handed null (a nested collection, map, array or
    /// number in Kryo 5): Kryo's `NULL` inside the serializer's own layout.
    case absent
    /// A collection in iteration order, with the comparator of a sorted one; also the empty and
    /// singleton collections (`Collections.emptyList()`, `singletonList(x)`).
    case collection(comparator: KryoObject?, elements: [KryoObject])
    case map(comparator: KryoObject?, entries: [KryoEntry])
    /// `int[]`, `long[]`, … and `String[]`: elements as values, no class or marker of their own.
    case primitiveArray([Value])
    case bytes([UInt8])
    /// `Object[]` and arrays of other classes (`ObjectArraySerializer`).
    case objectArray([KryoObject])
    /// A class written field by field (`FieldSerializer`), with the fields the caller described.
    case fields([KryoNamedField])
}

public struct KryoEntry: Equatable, Sendable {
    public var key: KryoObject
    public var value: KryoObject
}

public struct KryoNamedField: Equatable, Sendable {
    public var name: String
    public var value: KryoObject
}

extension KryoObject {
    /// The object as an ordinary value: a back-reference repeats the value it names (the decoder
    /// bounds how far references expand, `KryoDecoder.count`).
    func value(references: inout [Int: Value]) -> Value {
        switch self {
        case .null: return .null
        case .reference(let id): return references[id] ?? .null
        case .object(let cls, let content, let id):
            var v = content.value(references: &references)
            if case .pojo(_, let fields) = v { v = .pojo(className: cls, fields: fields) }
            if let id { references[id] = v }
            return v
        }
    }
}

extension KryoContent {
    func value(references: inout [Int: Value]) -> Value {
        switch self {
        case .primitive(let v), .string(let v): return v
        case .bigInteger(let bytes):
            let d = JavaNumberText.decimal(twosComplement: bytes)
            return .string((d.negative ? "-" : "") + d.digits)
        case .bigDecimal(let unscaled, let scale):
            return .string(JavaNumberText.bigDecimal(unscaled: JavaNumberText.decimal(twosComplement: unscaled), scale: scale))
        case .uuid(let most, let least): return .string(JavaNumberText.uuid(most: most, least: least))
        case .epochMillis(let ms): return .int(ms)
        case .absent: return .null
        case .collection(let comparator, let elements):
            _ = comparator?.value(references: &references)
            return .list(elements.map { $0.value(references: &references) })
        case .map(let comparator, let entries):
            _ = comparator?.value(references: &references)
            return .map(entries.map { e in
                let key = e.key.value(references: &references)
                return MapEntry(key: key, value: e.value.value(references: &references))
            })
        case .primitiveArray(let items): return .list(items)
        case .bytes(let b): return .bytes(b)
        case .objectArray(let items): return .list(items.map { $0.value(references: &references) })
        case .fields(let fields):
            // The class is the object's (`KryoObject.value`).
            return .pojo(className: "", fields: fields.map { PojoField(name: $0.name, value: $0.value.value(references: &references)) })
        }
    }
}
