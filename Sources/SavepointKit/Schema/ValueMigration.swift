import FlinkSerialization

/// A decoded value of the old type as a value of the new one, the conversions Java would make:
/// numeric widening (byte → short → int → long: the value is the same integer; float → double),
/// a POJO's fields matched by name (a removed field's value dropped; an added field starts as its
/// Java default, as `PojoSerializer` leaves a field the old data lacks: 0 or false for the
/// primitive types the notation names `Integer`, `Long`, `Boolean`…, null otherwise — the notation
/// does not tell `long` from `Long`, and a POJO's fields are primitives far more often); TTL
/// switched on wraps the value with `now` as its last access (`TtlValue`), switched off unwraps it;
/// a tuple or row becomes a POJO by position, in the POJO's field order (Flink's: by name).
enum ValueMigration {
    /// Refuses what `convert` does not convert (before anything is written).
    static func check(_ old: SchemaType, _ new: SchemaType, at path: String) throws {
        if old == new { return }
        // Kryo's JDK collections first: their Flink 2 types are composites (`Nullable<Map<…>>`), which
        // the composite rules would otherwise take as a wrap of the Kryo type.
        if case let .classed(.kryo, declared) = old, KryoCollectionValues.converts(declared: declared, to: new) { return }
        if try checkComposite(old, new, at: path) { return }
        switch (old, new) {
        case let (.named(o), .named(n)) where SchemaResolver.widens(o, n): return
        case let (.generic("TTL", o), .generic("TTL", n)) where o.count == 1 && n.count == 1: try check(o[0], n[0], at: path)
        case let (.generic("TTL", o), _) where o.count == 1: try check(o[0], new, at: path)
        case let (_, .generic("TTL", n)) where n.count == 1: try check(old, n[0], at: path)
        case let (_, .pojo(_, nf)) where old.isTupleOrRow:
            let positions = old.children
            guard positions.count == nf.count else {
                throw MigrationRefusal(path: path, reason: "\(old.rendered) has \(positions.count) fields, \(new.rendered) \(nf.count)")
            }
            for (p, f) in zip(positions, nf) { try check(p.type, f.type, at: path.isEmpty ? f.name : path + "." + f.name) }
        case let (.pojo(oc, of), .pojo(nc, nf)) where oc == nc:
            for f in nf {
                guard let before = of.first(where: { $0.name == f.name }) else { continue }
                try check(before.type, f.type, at: path.isEmpty ? f.name : path + "." + f.name)
            }
        default:
            throw MigrationRefusal(path: path, reason: "converting \(old.rendered) values to \(new.rendered) is not built yet")
        }
    }

    /// `now`: the last-access timestamp of a value TTL is switched on for (`--now`).
    static func convert(_ value: Value, from old: SchemaType, to new: SchemaType, now: Int64) throws -> Value {
        if old == new || value == .null { return value }
        if case .classed(.kryo, _) = old, case let .kryo(decoded, bytes) = value {
            return try KryoCollectionValues.convert(decoded, bytes: bytes, to: new)
        }
        if let composite = try convertComposite(value, from: old, to: new, now: now) { return composite }
        switch (old, new, value) {
        case let (.generic("TTL", o), .generic("TTL", n), .ttl(timestamp, v)):
            return .ttl(timestamp: timestamp, value: try convert(v, from: o[0], to: n[0], now: now))
        case let (.generic("TTL", o), _, .ttl(_, v)): return try convert(v, from: o[0], to: new, now: now)
        case let (_, .generic("TTL", n), _): return .ttl(timestamp: now, value: try convert(value, from: old, to: n[0], now: now))
        case (.named, .named("Double"), .float(let f)): return .double(Double(f))
        case (.named, .named, .int): return value
        case let (_, .pojo(className, newFields), .tuple(values)), let (_, .pojo(className, newFields), .row(_, values)):
            let positions = old.children
            guard positions.count == values.count, values.count == newFields.count else {
                throw MigrationRefusal(path: "", reason: "a value of \(values.count) fields for \(new.rendered)")
            }
            return .pojo(className: className, fields: try newFields.enumerated().map { k, f in
                PojoField(name: f.name, value: try convert(values[k], from: positions[k].type, to: f.type, now: now))
            })
        case let (.pojo(_, oldFields), .pojo(_, newFields), .pojo(className, fields)):
            return .pojo(className: className, fields: try newFields.map { f in
                guard let before = oldFields.first(where: { $0.name == f.name }),
                      let v = fields.first(where: { $0.name == f.name })?.value
                else { return PojoField(name: f.name, value: javaDefault(f.type)) }
                return PojoField(name: f.name, value: try convert(v, from: before.type, to: f.type, now: now))
            })
        default:
            throw MigrationRefusal(path: "", reason: "cannot convert \(value.caseName) of \(old.rendered) to \(new.rendered)")
        }
    }

    /// The type with each POJO's fields in Flink's order: by name, as `PojoTypeInfo` sorts them (a
    /// hand-edited target may list them otherwise; the snapshot and the values follow this order).
    static func inFlinkOrder(_ type: SchemaType) -> SchemaType {
        guard case let .pojo(className, fields) = type else { return type }
        return .pojo(className: className, fields: fields.map { SchemaType.Field(name: $0.name, type: inFlinkOrder($0.type)) }
            .sorted { Array($0.name.utf16).lexicographicallyPrecedes($1.name.utf16) })
    }

    static func javaDefault(_ type: SchemaType) -> Value {
        switch type {
        case .named("Byte"), .named("Short"), .named("Integer"), .named("Long"): return .int(0)
        case .named("Float"): return .float(0)
        case .named("Double"): return .double(0)
        case .named("Boolean"): return .bool(false)
        case .named("Character"): return .char(0)
        default: return .null
        }
    }
}
