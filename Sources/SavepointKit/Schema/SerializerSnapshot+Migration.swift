import Bytes
import FlinkSerialization

/// The serializer snapshot Flink writes for a state's new type, built from the snapshot in the
/// savepoint: what the types share is kept as stored (a POJO's key frames, nested snapshots of
/// unchanged fields), what changed is written as Flink writes it for the new type
/// (`SimpleTypeSerializerSnapshot` version 3 with an empty payload for the basic types;
/// `PojoSerializerSnapshot` version 2 with the new fields, as `PojoSerializerSnapshot` in
/// apache/flink writes them). A restore then reads the snapshot and finds the new job's serializer
/// compatible as is. Types whose snapshot this cannot build are refused (`MigrationRefusal`).
enum SnapshotMigration {
    /// `old`: the stored snapshot of `oldType` (nil for a POJO field added).
    static func snapshot(for new: SchemaType, from old: SerializerSnapshot?, oldType: SchemaType?, at path: String) throws -> SerializerSnapshot {
        if let old, let oldType, oldType == new { return old }
        // TTL switched off: the wrapped value's snapshot, migrated to the new type.
        if case .generic("TTL", let wrapped)? = oldType, !new.isTopLevelTTL, let old, case .composite(let c) = old.payload,
           c.type == .ttl, c.nested.count == 2 {
            return try snapshot(for: new, from: c.nested[1], oldType: wrapped.first, at: path)
        }
        if let composite = try compositeSnapshot(for: new, from: old, oldType: oldType, at: path) { return composite }
        switch new {
        case .generic("TTL", let wrapped) where wrapped.count == 1:
            // TTL switched on, or the value under TTL changed: `TtlStateFactory.TtlSerializerSnapshot`
            // (composite, outer version 2) of the timestamp's LongSerializer and the value's.
            var inner: SerializerSnapshot?, innerType = oldType
            if case .generic("TTL", let before)? = oldType, let old, case .composite(let c) = old.payload, c.nested.count == 2 {
                inner = c.nested[1]
                innerType = before.first
            } else {
                inner = old
            }
            let value = try snapshot(for: wrapped[0], from: inner, oldType: innerType, at: path)
            let timestamp = try snapshot(for: .named(SimpleType.long.rawValue), from: nil, oldType: nil, at: path)
            return SerializerSnapshot(className: ttlSnapshotClass, version: 3, payload: .composite(
                CompositeSnapshot(type: .ttl, outerVersion: 2, nested: [timestamp, value])))
        case .named(let name):
            guard let simple = SimpleType(rawValue: name), let className = simpleSnapshotClass(simple) else {
                throw MigrationRefusal(path: path, reason: "no serializer snapshot can be written for \(name)")
            }
            return SerializerSnapshot(className: className, version: 3, payload: .empty)
        case .generic(let name, let args) where CollectionSnapshots.builds(name):
            // A collection (Flink 2's serializers of a POJO's List/Set/Map field, `upgrade`):
            // written as Flink writes it, from the element types (whatever the old snapshot was).
            return try CollectionSnapshots.snapshot(name, try args.enumerated().map { k, t in
                try snapshot(for: t, from: nil, oldType: nil, at: path.isEmpty ? "f\(k)" : path + ".f\(k)")
            })
        case let .pojo(className, fields) where old == nil:
            // A POJO the savepoint has no snapshot of (the elements of a collection that was Kryo).
            let pojoFields = try fields.sorted { Array($0.name.utf16).lexicographicallyPrecedes($1.name.utf16) }.map { f in
                PojoSnapshot.Field(name: f.name, keyFrame: try fieldKey(declaring: className, f.name), valueFrame: nil,
                                   snapshot: try snapshot(for: f.type, from: nil, oldType: nil, at: path.isEmpty ? f.name : path + "." + f.name))
            }
            return SerializerSnapshot(className: pojoSnapshotClass, version: 2,
                                      payload: .pojo(PojoSnapshot(pojoClassName: className, fields: pojoFields)))
        case let .pojo(className, fields) where oldType?.isTupleOrRow == true:
            // A tuple or row becomes a POJO by position (in the POJO's field order, Flink's): a new
            // `PojoSerializerSnapshot` whose fields take the positions' snapshots.
            let positions = oldType?.children ?? []
            guard let old, case .composite(let c) = old.payload, c.nested.count == positions.count, positions.count == fields.count else {
                throw MigrationRefusal(path: path, reason: "\(oldType?.rendered ?? "?") has \(positions.count) fields, POJO \(className) \(fields.count)")
            }
            let pojoFields = try fields.enumerated().map { k, f in
                PojoSnapshot.Field(name: f.name, keyFrame: try fieldKey(declaring: className, f.name), valueFrame: nil,
                                   snapshot: try snapshot(for: f.type, from: c.nested[k], oldType: positions[k].type,
                                                          at: path.isEmpty ? f.name : path + "." + f.name))
            }
            return SerializerSnapshot(className: pojoSnapshotClass, version: 2,
                                      payload: .pojo(PojoSnapshot(pojoClassName: className, fields: pojoFields)))
        case let .pojo(className, fields):
            guard let old, case .pojo(var pojo) = old.payload, case let .pojo(oldClass, oldFields)? = oldType, oldClass == className else {
                let from = oldType.map { "\($0.rendered) to " } ?? ""
                throw MigrationRefusal(path: path, reason: "migrating \(from)POJO \(className) is not built yet (only the same POJO class with fields added, removed or widened)")
            }
            guard pojo.registeredSubclasses.isEmpty, pojo.nonRegisteredSubclasses.isEmpty else {
                throw MigrationRefusal(path: path, reason: "POJO \(className) has subclasses in its snapshot; migrating them is not built yet")
            }
            let declaring = pojo.fields.lazy.compactMap(\.declaringClass).first ?? className
            pojo.fields = try fields.map { f in
                let sub = path.isEmpty ? f.name : path + "." + f.name
                if let i = pojo.fields.firstIndex(where: { $0.name == f.name }) {
                    var field = pojo.fields[i]
                    let before = oldFields.first { $0.name == f.name }?.type
                    field.snapshot = try snapshot(for: f.type, from: field.snapshot, oldType: before, at: sub)
                    return field
                }
                return PojoSnapshot.Field(name: f.name, keyFrame: try fieldKey(declaring: declaring, f.name), valueFrame: nil,
                                          snapshot: try snapshot(for: f.type, from: nil, oldType: nil, at: sub))
            }
            return SerializerSnapshot(className: old.className, version: old.version, payload: .pojo(pojo))
        default:
            throw MigrationRefusal(path: path, reason: "migrating to \(new.rendered) is not built yet")
        }
    }

    static let pojoSnapshotClass = "org.apache.flink.api.java.typeutils.runtime.PojoSerializerSnapshot"

    /// A POJO field's key as `PojoFieldUtils` writes it: the declaring class, then the field name.
    static func fieldKey(declaring: String, _ name: String) throws -> [UInt8] {
        var key = ByteWriter()
        try key.writeModifiedUTF8(declaring)
        try key.writeModifiedUTF8(name)
        return key.bytes
    }

    static let ttlSnapshotClass = "org.apache.flink.runtime.state.ttl.TtlStateFactory$TtlSerializerSnapshot"

    /// The snapshot class Flink writes for a basic type (the first one the registry names).
    static func simpleSnapshotClass(_ type: SimpleType) -> String? {
        SnapshotRegistry.knownClassNames.sorted().first { !$0.contains("queryablestate") && SnapshotRegistry.layout(ofClass: $0) == .simple(type) }
    }
}

extension SchemaType {
    var isTupleOrRow: Bool {
        switch self {
        case .row: return true
        case .generic(let name, _): return name.hasPrefix("Tuple")
        default: return false
        }
    }
}

/// A state `schema migrate` cannot rewrite, and why: reported before anything is written.
public struct MigrationRefusal: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }

    /// `body`, its refusals placed under `state` (`schema/record` + `count` → `schema/record.count`).
    static func about<T>(_ state: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch var refusal as MigrationRefusal {
            refusal.path = refusal.path.isEmpty ? state : "\(state).\(refusal.path)"
            throw refusal
        }
    }
}
