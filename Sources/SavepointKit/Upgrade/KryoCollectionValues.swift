import Bytes
import FlinkSerialization

/// A POJO field's value that Flink 1.x wrote with Kryo (`java.util.List`, `Set`, `Map`, decoded by
/// `KryoDecoding`) as the value Flink 2's collection serializer writes for the field's Flink 2
/// type (`Flink2TypeExtraction`): a list or set as `.list`, a map as `.map`, each element as its
/// element type's value. Kryo decodes what its default serializers wrote (strings, boxed numbers,
/// JDK collections); a user class it wrote field by field decodes with the fields of the POJO the
/// Flink 2 type names (`KryoRegistrations.fieldLayouts`). A value that does not decode stops the
/// upgrade, naming it (nothing is written).
enum KryoCollectionValues {
    /// Whether a field Kryo wrote as `declared` converts to `new` (checked before anything is written).
    static func converts(declared: String, to new: SchemaType) -> Bool {
        guard let c = Flink2TypeExtraction.collection(declared: declared), let (nc, args) = Flink2TypeExtraction.elements(of: new) else {
            return false
        }
        return c == nc && args.allSatisfy(Flink2TypeExtraction.isFlinkSerialized)
    }

    /// `bytes`: the value's Kryo bytes, decoded again with the fields of the user classes `new`
    /// names where the first decoding stopped at one.
    static func convert(_ decoded: Value, bytes: [UInt8], to new: SchemaType) throws -> Value {
        guard KryoDecoding.isUndecodable(decoded) else { return try convert(decoded, to: new) }
        var r = ByteReader(bytes)
        let again = try KryoDecoding.decode(&r, encoding: .kryo2, registrations: KryoRegistrations(
            classNames: [], fieldLayouts: fieldLayouts(in: new)))
        return try convert(again, to: new)
    }

    /// How Kryo's `FieldSerializer` wrote the fields of each POJO class in `type`: a `String` as a
    /// final class (no class written), the numeric and boolean types as Java primitives (what a POJO
    /// field most often is: the notation, like Flink's snapshot, does not tell `long` from `Long`),
    /// anything else with its class.
    static func fieldLayouts(in type: SchemaType) -> [String: [KryoField]] {
        var out: [String: [KryoField]] = [:]
        if case let .pojo(cls, fields) = type {
            out[cls] = fields.map { f in
                switch f.type {
                case .named("String"): return KryoField(name: f.name, kind: .final("java.lang.String"))
                case .named(let n) where primitives[n] != nil: return KryoField(name: f.name, kind: .primitive(primitives[n]!))
                default: return KryoField(name: f.name, kind: .any)
                }
            }
        }
        for child in type.children { out.merge(fieldLayouts(in: child.type)) { a, _ in a } }
        return out
    }

    static let primitives = ["Integer": "int", "Long": "long", "Short": "short", "Byte": "byte", "Character": "char",
                             "Boolean": "boolean", "Float": "float", "Double": "double"]

    static func convert(_ decoded: Value, to new: SchemaType) throws -> Value {
        if decoded == .null { return .null }
        if KryoDecoding.isUndecodable(decoded) {
            let cls = decoded.pojoFieldString("$kryo") ?? "?"
            throw MigrationRefusal(path: "", reason: "a value of \(new.rendered) holds Kryo data of \(cls), which is"
                                   + " written field by field and not decoded yet")
        }
        switch (new, decoded) {
        case let (.generic("Nullable", args), _) where args.count == 1: return try convert(decoded, to: args[0])
        case let (.generic("List", args), .list(items)) where args.count == 1,
             let (.generic("Set", args), .list(items)) where args.count == 1:
            return .list(try items.map { try convert($0, to: args[0]) })
        case let (.generic("Map", args), .map(entries)) where args.count == 2:
            return .map(try entries.map { MapEntry(key: try convert($0.key, to: args[0]), value: try convert($0.value, to: args[1])) })
        case let (.pojo(cls, fields), .pojo(decodedClass, values)) where cls == decodedClass:
            return .pojo(className: cls, fields: try fields.map { f in
                PojoField(name: f.name, value: try convert(values.first { $0.name == f.name }?.value ?? .null, to: f.type))
            })
        case (.named("String"), .string), (.named("Long"), .int), (.named("Integer"), .int), (.named("Short"), .int),
             (.named("Byte"), .int), (.named("Boolean"), .bool), (.named("Double"), .double), (.named("Float"), .float),
             (.named("Character"), .char):
            return decoded
        default:
            throw MigrationRefusal(path: "", reason: "a Kryo value \(decoded.caseName) where \(new.rendered) is expected")
        }
    }
}

extension Value {
    /// A string field of a POJO value (the class name of an undecodable Kryo value).
    func pojoFieldString(_ name: String) -> String? {
        guard case .pojo(_, let fields) = self, case .string(let s)? = fields.first(where: { $0.name == name })?.value else { return nil }
        return s
    }
}
