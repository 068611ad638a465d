/// A state's type as `inspect` and the schema document write it, in one notation: `Long`, `Tuple2<String, Integer>`,
/// `POJO com.acme.Order{id: Long, items: List<String>}`, `Row(f0: String, f1: Long)`, `TTL<String>`,
/// `Enum com.acme.Color`, `Kryo com.acme.Opaque`, `Value com.acme.V`, `Avro com.acme.Rec`, `String[]`, `?`.
///
/// Equality is at the notation's level: what the notation does not show (a tuple's class, an
/// enum's constants, a nullable's padding) is not part of the type.
public indirect enum SchemaType: Hashable, Sendable {
    /// A serializer without nested ones: `Long`, `String`, `VoidNamespace`, `byte[]`, `java.sql.Date`.
    case named(String)
    /// A composite serializer by its notation name: `List`, `Map`, `Set`, `Tuple2`, `TTL`, `Nullable`,
    /// `Timer`, `Either`, `BufferEntry`, `StreamElement`, `TaggedUnion`.
    case generic(String, [SchemaType])
    /// `GenericArraySerializer`: `T[]`.
    case array(SchemaType)
    /// `RowSerializer`: fields by position (`f0`, `f1`, …; a row snapshot stores no names).
    case row([SchemaType])
    case pojo(className: String, fields: [Field])
    /// A serializer named by one class: `Enum`, `Kryo`, `Value` (Flink `Value` types) or `Avro`.
    case classed(Prefix, String)
    /// A POJO field whose snapshot could not be read.
    case unknown

    public struct Field: Hashable, Sendable {
        public var name: String
        public var type: SchemaType
        public init(name: String, type: SchemaType) { self.name = name; self.type = type }
    }

    public enum Prefix: String, Sendable, CaseIterable {
        case enumeration = "Enum", kryo = "Kryo", value = "Value", avro = "Avro"
    }

    /// `T[]`, with the one spelling the notation has: `String[]` and `int[]` name Flink's own array
    /// serializers, so an array of `String` is that serializer too.
    public static func arrayOf(_ component: SchemaType) -> SchemaType {
        if case .named(let n) = component, SimpleType(rawValue: n + "[]") != nil { return .named(n + "[]") }
        return .array(component)
    }

    /// The notation: exactly what `inspect` prints.
    public var rendered: String {
        switch self {
        case .named(let n): return n
        case .generic(let n, let args): return "\(n)<\(args.map(\.rendered).joined(separator: ", "))>"
        case .array(let c): return c.rendered + "[]"
        case .row(let fields):
            return "Row(\(fields.enumerated().map { "f\($0.offset): \($0.element.rendered)" }.joined(separator: ", ")))"
        case .pojo(let cls, let fields):
            return "POJO \(cls){\(fields.map { "\($0.name): \($0.type.rendered)" }.joined(separator: ", "))}"
        case .classed(let p, let cls): return "\(p.rawValue) \(cls)"
        case .unknown: return "?"
        }
    }

    /// Nested types with the name Flink's serializer gives each position (a POJO's field, a tuple's
    /// `f0`, a map's `key` and `value`).
    public var children: [(name: String, type: SchemaType)] {
        switch self {
        case .named, .classed, .unknown: return []
        case .array(let c): return [("component", c)]
        case .row(let fields): return fields.enumerated().map { ("f\($0.offset)", $0.element) }
        case .pojo(_, let fields): return fields.map { ($0.name, $0.type) }
        case .generic(let n, let args):
            let names: [String]
            switch n {
            case "Map": names = ["key", "value"]
            case "Timer": names = ["key", "namespace"]
            case "Either": names = ["left", "right"]
            case "List", "Set": names = ["element"]
            case "TTL", "Nullable", "BufferEntry", "StreamElement": names = ["value"]
            default: names = args.indices.map { "f\($0)" }
            }
            return args.enumerated().map { ($0.offset < names.count ? names[$0.offset] : "f\($0.offset)", $0.element) }
        }
    }

    public var isTTL: Bool {
        if case .generic("TTL", _) = self { return true }
        return children.contains { $0.type.isTTL }
    }
}

extension SerializerSnapshot {
    /// Human-readable type, for `inspect` and the schema document: the notation of `SchemaType`.
    public var typeDescription: String { SchemaType(self).rendered }
}

extension SchemaType {
    /// The type a serializer snapshot describes.
    public init(_ snapshot: SerializerSnapshot) {
        switch snapshot.payload {
        case .composite(let c): self = SchemaType(c)
        case .pojo(let p):
            self = .pojo(className: p.pojoClassName,
                         fields: p.fields.map { Field(name: $0.name, type: $0.snapshot.map(SchemaType.init) ?? .unknown) })
        case .enumeration(let cls, _): self = .classed(.enumeration, cls)
        case .kryo(let k): self = .classed(.kryo, k.typeClassName)
        case .typeClass(let name): self = .classed(.value, name)
        case .avro(let strings): self = .classed(.avro, strings.count > 1 ? strings[0] : "record")
        case .ttlAware(_, let inner): self = SchemaType(inner)
        case .empty, .legacySerializerClass:
            if case .simple(let type)? = snapshot.layout { self = .named(type.rawValue) } else { self = .named(snapshot.className) }
        }
    }

    init(_ c: CompositeSnapshot) {
        let nested = c.nested.map(SchemaType.init)
        func at(_ i: Int) -> SchemaType { i < nested.count ? nested[i] : .unknown }
        switch c.type {
        case .list, .arrayList: self = .generic("List", [at(0)])
        case .set: self = .generic("Set", [at(0)])
        case .map: self = .generic("Map", [at(0), at(1)])
        case .genericArray: self = SchemaType.arrayOf(at(0))
        case .tuple: self = .generic("Tuple\(nested.count)", nested)
        case .row: self = .row(nested)
        case .nullable: self = .generic("Nullable", [at(0)])
        case .ttl: self = .generic("TTL", [at(1)])
        case .timer: self = .generic("Timer", [at(0), at(1)])
        case .either: self = .generic("Either", [at(0), at(1)])
        case .bufferEntry: self = .generic("BufferEntry", [at(0)])
        case .streamElement: self = .generic("StreamElement", [at(0)])
        case .taggedUnion: self = .generic("TaggedUnion", nested)
        }
    }
}
