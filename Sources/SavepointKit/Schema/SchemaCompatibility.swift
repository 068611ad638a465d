import FlinkSerialization

/// What Flink decides on restore for one serializer, in its words
/// (`TypeSerializerSchemaCompatibility`), from the restored snapshot's `resolveSchemaCompatibility`
/// against the new job's serializer. Ordered from best to worst, as Flink combines nested results
/// (`CompositeTypeSerializerUtil.constructIntermediateCompatibilityResult`: the worst one wins).
public enum SchemaCompatibility: Int, Comparable, Sendable, Codable {
    case compatibleAsIs, compatibleWithReconfiguredSerializer, compatibleAfterMigration, incompatible

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// `compatible-as-is`, `compatible-with-reconfigured-serializer`, `compatible-after-migration`, `incompatible`.
    public var name: String {
        switch self {
        case .compatibleAsIs: "compatible-as-is"
        case .compatibleWithReconfiguredSerializer: "compatible-with-reconfigured-serializer"
        case .compatibleAfterMigration: "compatible-after-migration"
        case .incompatible: "incompatible"
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(name)
    }
}

/// The outcome for one type pair: the result, and for anything but "as is" where (a field path such
/// as `address.zip`, empty for the whole type), which serializer decided, and why.
public struct SchemaVerdict: Sendable, Equatable {
    public var result: SchemaCompatibility
    public var field: String = ""
    public var serializer: String = ""
    public var reason: String = ""

    static let asIs = SchemaVerdict(result: .compatibleAsIs)
}

/// Flink's compatibility rules on the notation's types. `flinkMajor` matters for TTL: Flink 2.x
/// wraps state serializers in `TtlAwareSerializer`, whose snapshot answers "compatible after
/// migration" when TTL was switched on or off (and the inner types agree); 1.x compares
/// `TtlSerializerSnapshot` with a plain serializer and finds them incompatible.
public struct SchemaResolver: Sendable {
    public var flinkMajor: Int

    public init(flinkMajor: Int) { self.flinkMajor = flinkMajor }

    public func resolve(_ old: SchemaType, _ new: SchemaType, at path: [String] = []) -> SchemaVerdict {
        if old == new || old == .unknown || new == .unknown { return .asIs }
        let field = path.joined(separator: ".")
        func incompatible(_ reason: String) -> SchemaVerdict {
            SchemaVerdict(result: .incompatible, field: field, serializer: old.serializerName, reason: reason)
        }
        if old.isTopLevelTTL != new.isTopLevelTTL {
            let switchedOn = !old.isTopLevelTTL
            let inner = resolve(old.ttlValue, new.ttlValue, at: path)
            let what = switchedOn ? "TTL switched on" : "TTL switched off"
            guard flinkMajor >= 2 else {
                return incompatible("\(what): Flink 1.x compares TtlSerializerSnapshot with a serializer without"
                                    + " TTL and does not migrate")
            }
            if inner.result == .incompatible { return inner }
            return SchemaVerdict(result: .compatibleAfterMigration, field: field, serializer: "TtlAwareSerializer",
                                 reason: "\(what): Flink 2.x migrates every value")
        }
        switch (old, new) {
        case let (.pojo(oldClass, oldFields), .pojo(newClass, newFields)):
            guard oldClass == newClass else { return incompatible("the POJO class changed from \(oldClass) to \(newClass)") }
            var worst = SchemaVerdict.asIs
            for f in oldFields {
                guard let n = newFields.first(where: { $0.name == f.name }) else { continue }
                let v = resolve(f.type, n.type, at: path + [f.name])
                if v.result > worst.result { worst = v }
            }
            if worst.result == .incompatible { return worst }
            let removed = oldFields.map(\.name).filter { name in !newFields.contains { $0.name == name } }
            let added = newFields.map(\.name).filter { name in !oldFields.contains { $0.name == name } }
            if !removed.isEmpty || !added.isEmpty {
                let parts = [added.isEmpty ? nil : "field\(added.count > 1 ? "s" : "") \(added.joined(separator: ", ")) added",
                             removed.isEmpty ? nil : "field\(removed.count > 1 ? "s" : "") \(removed.joined(separator: ", ")) removed"]
                return SchemaVerdict(result: .compatibleAfterMigration, field: field, serializer: "PojoSerializer",
                                     reason: parts.compactMap { $0 }.joined(separator: ", ") + ": Flink migrates the POJO"
                                         + (added.isEmpty ? "" : " (new fields start as their Java default)"))
            }
            return worst
        case let (.generic(o, oldArgs), .generic(n, newArgs)) where o == n && oldArgs.count == newArgs.count:
            return nested(old, new, path: path)
        case let (.row(oldFields), .row(newFields)):
            guard oldFields.count == newFields.count else {
                return incompatible("the row has \(newFields.count) fields, the savepoint's \(oldFields.count)")
            }
            return nested(old, new, path: path)
        case (.array, .array):
            return nested(old, new, path: path)
        default:
            return incompatible("the savepoint's \(old.serializerName) (\(old.rendered)) is not compatible with the"
                                + " new job's \(new.serializerName) (\(new.rendered))")
        }
    }

    /// `CompositeTypeSerializerSnapshot`: same outer serializer, the worst of the nested results.
    func nested(_ old: SchemaType, _ new: SchemaType, path: [String]) -> SchemaVerdict {
        var worst = SchemaVerdict.asIs
        for (o, n) in zip(old.children, new.children) {
            let v = resolve(o.type, n.type, at: path + [o.name])
            if v.result > worst.result { worst = v }
        }
        return worst
    }

    /// Whether `schema migrate` (the rewrite of serializer snapshots and values) can turn the old
    /// type into the new one: POJO fields added, removed or reordered; numeric widening; boxed ↔
    /// nullable; Tuple or Row ↔ POJO by position; TTL wrap and unwrap — at any depth.
    public func migratable(_ old: SchemaType, _ new: SchemaType) -> Bool {
        if old == new || old == .unknown || new == .unknown { return true }
        if case .named(let o) = old, case .named(let n) = new { return Self.widens(o, n) }
        switch (old, new) {
        case (.generic("TTL", let o), _) where !new.isTopLevelTTL: return migratable(o.first ?? .unknown, new)
        case (_, .generic("TTL", let n)) where !old.isTopLevelTTL: return migratable(old, n.first ?? .unknown)
        case (.generic("Nullable", let o), _) where !new.isNullable: return migratable(o.first ?? .unknown, new)
        case (_, .generic("Nullable", let n)) where !old.isNullable: return migratable(old, n.first ?? .unknown)
        case let (.pojo(oc, of), .pojo(nc, nf)):
            return oc == nc && of.allSatisfy { f in nf.first { $0.name == f.name }.map { migratable(f.type, $0.type) } ?? true }
        case let (.generic(o, oa), .generic(n, na)):
            return o == n && oa.count == na.count && zip(oa, na).allSatisfy(migratable)
        case let (.classed(.kryo, declared), .generic(name, _)):
            // A POJO field 1.x gave to Kryo and Flink 2 to its own List/Set/Map serializer (`upgrade`).
            return Flink2TypeExtraction.collection(declared: declared)?.rawValue == name
        case (.row, .row), (.array, .array), (.row, .pojo), (.pojo, .row), (.generic, .pojo), (.pojo, .generic):
            if case .generic(let name, _) = old, !name.hasPrefix("Tuple") { return false }
            if case .generic(let name, _) = new, !name.hasPrefix("Tuple") { return false }
            let o = old.children, n = new.children
            return o.count == n.count && zip(o, n).allSatisfy { migratable($0.type, $1.type) }
        default: return false
        }
    }

    /// Numeric widening Java allows without loss of range: byte → short → int → long, float → double.
    static func widens(_ old: String, _ new: String) -> Bool {
        let integers = ["Byte", "Short", "Integer", "Long"]
        if let o = integers.firstIndex(of: old), let n = integers.firstIndex(of: new) { return o < n }
        return old == "Float" && new == "Double"
    }
}

extension SchemaType {
    var isTopLevelTTL: Bool { if case .generic("TTL", _) = self { return true } else { return false } }
    var isNullable: Bool { if case .generic("Nullable", _) = self { return true } else { return false } }
    var ttlValue: SchemaType { if case .generic("TTL", let a) = self { return a.first ?? .unknown } else { return self } }

    /// The Flink serializer behind a type, as its class is named (`IntSerializer`, `PojoSerializer`).
    public var serializerName: String {
        switch self {
        case .named(let n):
            guard let simple = SimpleType(rawValue: n),
                  let snapshot = SnapshotRegistry.knownClassNames.first(where: { SnapshotRegistry.layout(ofClass: $0) == .simple(simple) })
            else { return n }
            // `…base.IntSerializer$IntSerializerSnapshot` → `IntSerializer`
            let outer = snapshot.split(separator: "$").first.map(String.init) ?? snapshot
            return outer.split(separator: ".").last.map(String.init) ?? outer
        case .generic(let n, _):
            if n.hasPrefix("Tuple") { return "TupleSerializer" }
            return ["TTL": "TtlSerializer", "List": "ListSerializer", "Map": "MapSerializer", "Set": "SetSerializer",
                    "Nullable": "NullableSerializer", "Timer": "TimerSerializer", "Either": "EitherSerializer"][n]
                ?? "\(n)Serializer"
        case .array: return "GenericArraySerializer"
        case .row: return "RowSerializer"
        case .pojo: return "PojoSerializer"
        case .classed(let p, _):
            switch p {
            case .enumeration: return "EnumSerializer"
            case .kryo: return "KryoSerializer"
            case .value: return "ValueSerializer"
            case .avro: return "AvroSerializer"
            }
        case .unknown: return "?"
        }
    }
}
