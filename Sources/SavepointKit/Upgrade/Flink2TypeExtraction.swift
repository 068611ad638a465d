import FlinkSerialization

/// The types Flink 2's type extraction gives where Flink 1.x's gave others, as far as a savepoint
/// shows them.
///
/// A POJO field declared `List<E>`, `Collection<E>` or `Iterable<E>`, `Set<E>` or `Map<K, V>` was a
/// `GenericTypeInfo` in 1.x (`KryoSerializer` with the declared interface as its type class); Flink
/// 2 (FLINK-34037, `TypeExtractor` in apache/flink) gives it `NullableListTypeInfo`,
/// `NullableSetTypeInfo` or `NullableMapTypeInfo`, whose serializers are
/// `NullableSerializer(ListSerializer(NullableSerializer(E)))`,
/// `NullableSerializer(SetSerializer(E))` and `NullableSerializer(MapSerializer(NullableSerializer(K), V))`
/// (their `createSerializer`, null padding 0). Only when every element type is itself one Flink
/// serializes without Kryo: a `List<List<String>>` or a raw `List` field stays Kryo in 2.x. Fields
/// of a concrete class (`ArrayList<String>`, `HashMap<…>`) stay Kryo in both.
enum Flink2TypeExtraction {
    enum Collection: String { case list = "List", set = "Set", map = "Map" }

    /// The collection serializer Flink 2 gives a POJO field Flink 1.x serialized with Kryo as
    /// `declared` (the Kryo snapshot's type class: the field's declared type).
    static func collection(declared: String) -> Collection? {
        switch declared {
        case "java.util.List", "java.util.Collection", "java.lang.Iterable": return .list
        case "java.util.Set": return .set
        case "java.util.Map": return .map
        default: return nil
        }
    }

    /// The field's type in Flink 2 for element types `arguments` (one, or key and value).
    static func fieldType(_ collection: Collection, _ arguments: [SchemaType]) -> SchemaType {
        func nullable(_ t: SchemaType) -> SchemaType { t.isNullable ? t : .generic("Nullable", [t]) }
        switch collection {
        case .list: return nullable(.generic("List", [nullable(arguments[0])]))
        case .set: return nullable(.generic("Set", [arguments[0]]))
        case .map: return nullable(.generic("Map", [nullable(arguments[0]), arguments[1]]))
        }
    }

    /// The 1.x collection and element types of a Flink 2 field type `new` (nil: not one).
    static func elements(of new: SchemaType) -> (Collection, [SchemaType])? {
        guard case .generic("Nullable", let n) = new, n.count == 1, case .generic(let name, let args) = n[0],
              let c = Collection(rawValue: name) else { return nil }
        let unwrapped = args.enumerated().map { k, t -> SchemaType in
            guard c != .set, k == 0, case .generic("Nullable", let inner) = t, inner.count == 1 else { return t }
            return inner[0]
        }
        return fieldType(c, unwrapped) == new ? (c, unwrapped) : nil
    }

    /// Whether Flink 2 serializes `type` without Kryo (so a collection of it gets Flink's own
    /// collection serializer).
    static func isFlinkSerialized(_ type: SchemaType) -> Bool {
        switch type {
        case .classed(.kryo, _), .unknown: return false
        case .generic("List", _), .generic("Set", _), .generic("Map", _): return false
        default: return type.children.allSatisfy { isFlinkSerialized($0.type) }
        }
    }

    /// Whether `new` is what Flink 2 gives a state of 1.x type `old`: the same type with each
    /// Kryo collection field of a POJO (at any depth) the collection type Flink 2 writes.
    static func upgrades(_ old: SchemaType, to new: SchemaType) -> Bool {
        if old == new { return true }
        switch (old, new) {
        case let (.pojo(oc, of), .pojo(nc, nf)):
            guard oc == nc, of.map(\.name) == nf.map(\.name) else { return false }
            return zip(of, nf).allSatisfy { o, n in
                if case .classed(.kryo, let declared) = o.type, let c = collection(declared: declared),
                   let (nc, args) = elements(of: n.type) {
                    return c == nc && args.allSatisfy(isFlinkSerialized)
                }
                return upgrades(o.type, to: n.type)
            }
        case let (.generic(o, oa), .generic(n, na)):
            return o == n && oa.count == na.count && zip(oa, na).allSatisfy(upgrades)
        case let (.row(o), .row(n)):
            return o.count == n.count && zip(o, n).allSatisfy(upgrades)
        case let (.array(o), .array(n)): return upgrades(o, to: n)
        default: return false
        }
    }

    /// The paths (`items`, `inner.ids`) of the POJO fields in `type` that Flink 2 gives its own
    /// collection serializers where 1.x used Kryo.
    static func kryoCollectionFields(in type: SchemaType, at path: String = "") -> [(path: String, declared: String)] {
        var found: [(String, String)] = []
        for child in type.children {
            let sub = path.isEmpty ? child.name : path + "." + child.name
            if case .pojo = type, case .classed(.kryo, let declared) = child.type, collection(declared: declared) != nil {
                found.append((sub, declared))
            } else {
                found += kryoCollectionFields(in: child.type, at: sub)
            }
        }
        return found
    }

    /// The Kryo types in `type` that are not POJO collection fields (Kryo in both versions).
    static func kryoClasses(in type: SchemaType, insidePojo: Bool = false) -> [String] {
        if case .classed(.kryo, let cls) = type { return insidePojo && collection(declared: cls) != nil ? [] : [cls] }
        let pojo: Bool
        if case .pojo = type { pojo = true } else { pojo = false }
        return type.children.flatMap { kryoClasses(in: $0.type, insidePojo: pojo) }
    }
}
