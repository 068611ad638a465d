import Bytes
import FlinkSerialization

/// Migration inside composite serializers and through nullable wraps: a `List`, `Set`, `Map`,
/// `Nullable` or tuple of the same kind whose nested types change (`List<Integer>` →
/// `List<Long>`, `Map<String, Integer>` → `Map<String, Long>`, at any depth), a `Row` or `T[]`
/// likewise, and a value wrapped in or unwrapped from `NullableSerializer` (`Long` ↔
/// `Nullable<Long>`: the value is the same, the null flag comes or goes).
///
/// The snapshot of a composite keeps its outer part as stored (a tuple's class) and has each nested
/// snapshot migrated, as `CompositeTypeSerializerSnapshot` writes the nested ones after the outer
/// ones. `NullableSerializerSnapshot` stores the null padding: kept 0 when it was 0, else the new
/// value serializer's fixed length (`NullableSerializer.wrap(…, padNullValueIfFixedLen)` pads with
/// it); a new wrap is written without padding (the notation does not show padding: a job that wraps
/// with `padNullValueIfFixedLen` is refused by Flink's `NullableSerializerSnapshot` as incompatible).
extension ValueMigration {
    /// Composite names whose nested types migrate in place (TTL and timers have their own rules).
    static let compositeNames: Set<String> = ["List", "Set", "Map", "Nullable"]

    static func sameComposite(_ old: SchemaType, _ new: SchemaType) -> [(SchemaType, SchemaType)]? {
        switch (old, new) {
        case let (.generic(o, oa), .generic(n, na)) where o == n && oa.count == na.count
            && (compositeNames.contains(o) || o.hasPrefix("Tuple")):
            return Array(zip(oa, na))
        case let (.row(o), .row(n)) where o.count == n.count: return Array(zip(o, n))
        case let (.array(o), .array(n)): return [(o, n)]
        default: return nil
        }
    }

    /// A nullable wrap switched on or off: the types on either side of it; nil when there is none.
    static func nullableWrap(_ old: SchemaType, _ new: SchemaType) -> (SchemaType, SchemaType)? {
        if old.isTopLevelTTL || new.isTopLevelTTL || old.isNullable == new.isNullable { return nil }
        if case .generic("Nullable", let o) = old, o.count == 1 { return (o[0], new) }
        if case .generic("Nullable", let n) = new, n.count == 1 { return (old, n[0]) }
        return nil
    }

    /// `check` for composites and nullable wraps; false when neither applies.
    static func checkComposite(_ old: SchemaType, _ new: SchemaType, at path: String) throws -> Bool {
        if let pairs = sameComposite(old, new) {
            let names = old.children.map(\.name)
            for (k, (o, n)) in pairs.enumerated() {
                let name = k < names.count ? names[k] : "f\(k)"
                try check(o, n, at: path.isEmpty ? name : path + "." + name)
            }
            return true
        }
        if let (o, n) = nullableWrap(old, new) {
            try check(o, n, at: path)
            return true
        }
        return false
    }

    /// `convert` for composites and nullable wraps; nil when neither applies. A null unwrapped from
    /// `Nullable` has no value in the new type: refused naming the type.
    static func convertComposite(_ value: Value, from old: SchemaType, to new: SchemaType, now: Int64) throws -> Value? {
        if let (o, n) = nullableWrap(old, new) {
            if value == .null, !new.isNullable {
                throw MigrationRefusal(path: "", reason: "a null value of \(old.rendered) has no \(new.rendered) to become")
            }
            return try convert(value, from: o, to: n, now: now)
        }
        guard let pairs = sameComposite(old, new) else { return nil }
        func each(_ v: Value, _ k: Int) throws -> Value { try convert(v, from: pairs[k].0, to: pairs[k].1, now: now) }
        switch (old, value) {
        case (.generic("Nullable", _), _): return try each(value, 0)
        case (.generic("Map", _), .map(let entries)):
            return .map(try entries.map { MapEntry(key: try each($0.key, 0), value: try each($0.value, 1)) })
        case (_, .list(let elements)) where pairs.count == 1: return .list(try elements.map { try each($0, 0) })
        case (_, .tuple(let values)) where values.count == pairs.count:
            return .tuple(try values.indices.map { try each(values[$0], $0) })
        case (_, .row(let kind, let values)) where values.count == pairs.count:
            return .row(kind: kind, fields: try values.indices.map { try each(values[$0], $0) })
        default:
            throw MigrationRefusal(path: "", reason: "cannot convert \(value.caseName) of \(old.rendered) to \(new.rendered)")
        }
    }
}

extension SnapshotMigration {
    static let nullableSnapshotClass = "org.apache.flink.api.java.typeutils.runtime.NullableSerializer$NullableSerializerSnapshot"

    /// The snapshot of a composite whose nested types change, or of a nullable wrap switched on or
    /// off; nil when neither applies (the caller's rules then do).
    static func compositeSnapshot(for new: SchemaType, from old: SerializerSnapshot?, oldType: SchemaType?, at path: String) throws -> SerializerSnapshot? {
        guard let oldType else { return nil }
        if let pairs = ValueMigration.sameComposite(oldType, new) {
            guard let old, case .composite(var c) = old.payload, c.nested.count == pairs.count else {
                throw MigrationRefusal(path: path, reason: "the savepoint's snapshot of \(oldType.rendered) is not the composite its notation says")
            }
            let names = oldType.children.map(\.name)
            c.nested = try pairs.enumerated().map { k, pair in
                let name = k < names.count ? names[k] : "f\(k)"
                return try snapshot(for: pair.1, from: c.nested[k], oldType: pair.0, at: path.isEmpty ? name : path + "." + name)
            }
            if case .nullPadding(let padding) = c.outer, padding > 0 {
                let length = c.nested[0].restoreSerializer().flinkLength
                c.outer = .nullPadding(Int32(max(length, 0)))
            }
            var out = old
            out.payload = .composite(c)
            return out
        }
        guard let (o, n) = ValueMigration.nullableWrap(oldType, new) else { return nil }
        if oldType.isNullable {
            guard let old, case .composite(let c) = old.payload, c.type == .nullable, c.nested.count == 1 else {
                throw MigrationRefusal(path: path, reason: "the savepoint's snapshot of \(oldType.rendered) is not a NullableSerializerSnapshot")
            }
            return try snapshot(for: n, from: c.nested[0], oldType: o, at: path)
        }
        let inner = try snapshot(for: n, from: old, oldType: o, at: path)
        // `NullableSerializerSnapshot`: outer version 2 (the padding length), the wrapped snapshot.
        return SerializerSnapshot(className: nullableSnapshotClass, version: 3, payload: .composite(
            CompositeSnapshot(type: .nullable, outerVersion: 2, outer: .nullPadding(0), nested: [inner])))
    }
}

/// How a list or map state's values sit in the canonical layout (RocksDB's, which every form is
/// read into): a list's elements joined by a delimiter byte (`ListDelimitedSerializer`), a map
/// entry's value after a null flag (the user key is in the entry's key). Migrating them converts
/// each element, or the value after the flag, with the element types of `List<E>` / `Map<K, V>`;
/// the user key stays (its bytes order the entries, and `migrate` does not re-sort them).
/// A class: the value stage looks one up per value, and copying a struct of serializers and
/// types retained and released each of them every time.
final class StateValueCodec {
    enum Layout { case whole, listElements, mapValue }
    let layout: Layout
    let old: any TypeSerializer
    let new: any TypeSerializer
    /// The old type as stored, the old type with the renames applied, the new type (of the whole
    /// value, or of a list's element or a map's value).
    let originalType: SchemaType
    let oldType: SchemaType
    let newType: SchemaType
    let renames: SchemaRenames
    let now: Int64
    /// `TtlSerializer` writes the last-access timestamp (a big-endian long) before the value,
    /// `NullableSerializer` a false null flag before a value that is not null.
    enum Splice: Equatable { case prepend([UInt8]), drop(Int) }

    /// `stored` and `migrated`: the state's serializer snapshots (`ListSerializer`/`MapSerializer`
    /// for list and map state) before (as stored, the renames not applied) and after; `kind` the
    /// state's kind.
    init(kind: String, stored: SerializerSnapshot, migrated: SerializerSnapshot, originalType: SchemaType,
         oldType: SchemaType, newType: SchemaType, renames: SchemaRenames, now: Int64) throws {
        self.renames = renames
        self.now = now
        switch kind {
        case "list", "map":
            let at = kind == "list" ? 0 : 1
            guard case .composite(let o) = stored.payload, case .composite(let n) = migrated.payload,
                  o.nested.count == at + 1, n.nested.count == at + 1 else {
                throw MigrationRefusal(path: "", reason: "a \(kind) state's serializer snapshot is not a \(kind == "list" ? "List" : "Map")SerializerSnapshot")
            }
            layout = kind == "list" ? .listElements : .mapValue
            old = o.nested[at].restoreSerializer()
            new = n.nested[at].restoreSerializer()
            self.originalType = originalType.children.last?.type ?? .unknown
            self.oldType = oldType.children.last?.type ?? .unknown
            self.newType = newType.children.last?.type ?? .unknown
        default:
            layout = .whole
            old = stored.restoreSerializer()
            new = migrated.restoreSerializer()
            self.originalType = originalType
            self.oldType = oldType
            self.newType = newType
        }
        // Set when the migration only adds or drops bytes in front of each value (TTL switched on
        // or off, a nullable wrap switched on, nothing else changing): the bytes are spliced, not decoded.
        var splice: Splice?
        if layout != .listElements, self.originalType == self.oldType, !renames.touches(self.originalType) {
            splice = Self.splice(from: self.oldType, to: self.newType, now: now)
        }
        // A map value's null flag stays in front of the splice.
        let keep = layout == .mapValue ? 1 : 0
        switch splice {
        case .prepend(let bytes)?: valueSplice = ValueSplice(keep: keep, insert: bytes, drop: 0)
        case .drop(let n)?: valueSplice = ValueSplice(keep: keep, insert: [], drop: n)
        case nil: valueSplice = nil
        }
    }

    /// The splice as the pipeline's reader applies it to the values it fits (nil: values are
    /// decoded and encoded); `migrate` applies it to the others, or refuses them.
    let valueSplice: ValueSplice?

    static func splice(from old: SchemaType, to new: SchemaType, now: Int64) -> Splice? {
        switch (old, new) {
        case let (_, .generic("TTL", inner)) where inner == [old]:
            return .prepend((0..<8).map { UInt8(truncatingIfNeeded: now >> (56 - 8 * $0)) })
        case let (.generic("TTL", inner), _) where inner == [new]: return .drop(8)
        case let (_, .generic("Nullable", inner)) where inner == [old]: return .prepend([0])
        default: return nil
        }
    }

    /// `value` (after a map value's null flag: `keep` 1) spliced, appended to `out`.
    private func spliced(_ value: UnsafeBufferPointer<UInt8>, _ splice: ValueSplice, into out: inout [UInt8]) throws {
        let start = splice.keep, n = splice.drop
        guard value.count >= start + n else {
            throw MigrationRefusal(path: "", reason: "a value of \(value.count - start) bytes, shorter than the \(n) bytes before the value of \(oldType.rendered)")
        }
        // Rebased, not slices: appending a slice went through generic code (metadata per call),
        // which shows where the reader does not splice (several value stages in one plan).
        out.append(contentsOf: UnsafeBufferPointer(rebasing: value[..<start]))
        out.append(contentsOf: splice.insert)
        out.append(contentsOf: UnsafeBufferPointer(rebasing: value[(start + n)...]))
    }

    /// One decoded old value (or element) as the new type's.
    func convert(_ value: Value) throws -> Value {
        let renamed = renames.isEmpty ? value : renames.apply(to: value, of: originalType)
        return try ValueMigration.convert(renamed, from: oldType, to: newType, now: now)
    }

    /// The value's bytes migrated, appended to `out` (a spliced value without an array of its own).
    func migrate(_ value: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) throws {
        if let valueSplice {
            if valueSplice.keep == 1 {
                guard let flag = value.first else { throw MigrationRefusal(path: "", reason: "a map value without its null flag") }
                if flag != 0 { return out.append(1) }
            }
            return try spliced(value, valueSplice, into: &out)
        }
        out.append(contentsOf: try decodedAndEncoded(value))
    }

    /// The value decoded with the old serializer, converted and encoded with the new one.
    private func decodedAndEncoded(_ value: UnsafeBufferPointer<UInt8>) throws -> [UInt8] {
        switch layout {
        case .whole:
            return try new.encode(try convert(try old.decode(Array(value))))
        case .mapValue:
            // One copy in, one buffer out: the flag and the value written into the same writer.
            guard let flag = value.first else { throw MigrationRefusal(path: "", reason: "a map value without its null flag") }
            if flag != 0 { return [1] }
            var r = ByteReader(Array(value))
            _ = try r.readU8("a map value null flag")
            let decoded = try old.read(from: &r)
            guard r.isAtEnd else { throw r.error("expected the end of a map value, \(r.remaining) bytes remain") }
            var w = ByteWriter()
            w.writeU8(0)
            try new.write(try convert(decoded), to: &w)
            return w.bytes
        case .listElements:
            var r = ByteReader(Array(value))
            var w = ByteWriter()
            var first = true
            while !r.isAtEnd {
                if !first {
                    let at = r.index
                    guard try r.readU8("a list delimiter") == 0x2C else {
                        throw r.error("expected the list delimiter 0x2C", at: at)
                    }
                    w.writeU8(0x2C)
                }
                first = false
                try new.write(try convert(try old.read(from: &r)), to: &w)
            }
            return w.bytes
        }
    }
}
