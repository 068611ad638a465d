import FlinkSerialization

/// `schema migrate --map FILE`: members renamed between the old job's types and the new one's, one
/// a line, `CLASS.MEMBER=NEW` (class names as Flink stores them, `Outer$Inner`; `#` starts a comment):
///
///     savepointfixtures.Person.age=years      # a POJO field renamed
///     savepointfixtures.Color.RED=CRIMSON     # an enum constant renamed
///
/// Flink matches a POJO's fields by name, so a renamed field is a field removed and one added: its
/// values are lost. It matches an enum's constants by name too, and refuses a restore whose enum
/// lacks a constant of the snapshot. The renames are applied to the old side first (its type, its
/// serializer snapshot, each decoded value), so the migration then sees the field or constant
/// under its new name: the value is carried over, an enum value keeps its ordinal (the snapshot's
/// constant list is renamed in place, so Flink's `EnumSerializerSnapshot` finds every constant).
public struct SchemaRenames: Sendable, Equatable {
    /// Old member name → new, by the class that has it.
    public private(set) var members: [String: [String: String]] = [:]

    public init() {}

    public var isEmpty: Bool { members.isEmpty }

    /// Reads the map file; a line that is not `CLASS.MEMBER=NEW` fails naming it.
    public init(text: String, file: String) throws {
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let trimmed = line.trimmingWhitespace
            if trimmed.isEmpty { continue }
            func fail(_ message: String) -> SchemaDocumentError {
                SchemaDocumentError(file: file, line: n + 1, column: 1,
                                    message: "\(message) (expected CLASS.MEMBER=NEW, e.g. com.acme.Order.qty=quantity)")
            }
            let sides = trimmed.split(separator: "=", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace }
            guard sides.count == 2, let dot = sides[0].lastIndex(of: "."), !sides[1].isEmpty, !sides[1].contains(".") else {
                throw fail("\"\(trimmed)\" is not a rename")
            }
            let className = String(sides[0][..<dot]), member = String(sides[0][sides[0].index(after: dot)...])
            guard !className.isEmpty, !member.isEmpty else { throw fail("\"\(trimmed)\" names no class or no member") }
            if let earlier = members[className]?[member], earlier != sides[1] {
                throw fail("\(className).\(member) is renamed twice (to \(earlier) and \(sides[1]))")
            }
            members[className, default: [:]][member] = sides[1]
        }
    }

    public init(_ members: [String: [String: String]]) { self.members = members }

    func renamed(_ member: String, of className: String) -> String { members[className]?[member] ?? member }

    /// The renames that name nothing in `types` (a typo would otherwise be a silent no-op): a
    /// class no POJO or enum of them has, or a field its POJO lacks. An enum's constants are not
    /// in the notation, so only its class is checked.
    func unmatched(in types: [SchemaType]) -> [String] {
        var pojoFields: [String: Set<String>] = [:], enums: Set<String> = []
        func walk(_ t: SchemaType) {
            switch t {
            case let .pojo(className, fields): pojoFields[className, default: []].formUnion(fields.map(\.name))
            case let .classed(.enumeration, className): enums.insert(className)
            default: break
            }
            t.children.forEach { walk($0.type) }
        }
        types.forEach(walk)
        return members.flatMap { className, renames in
            renames.keys.filter { member in
                !(enums.contains(className) || pojoFields[className]?.contains(member) == true)
            }.map { "\(className).\($0)" }
        }.sorted()
    }

    /// Whether a rename applies anywhere in `type` (an enum's constants do not show in the
    /// notation, so an enum renamed leaves the type as it was).
    func touches(_ type: SchemaType) -> Bool {
        switch type {
        case let .pojo(className, fields):
            return fields.contains { members[className]?[$0.name] != nil || touches($0.type) }
        case let .classed(.enumeration, className): return members[className] != nil
        default: return type.children.contains { touches($0.type) }
        }
    }

    /// The old type with the renames applied (a POJO's fields back in Flink's order, by name).
    func apply(to type: SchemaType) -> SchemaType {
        switch type {
        case let .pojo(className, fields):
            return .pojo(className: className, fields: fields.map { Field(name: renamed($0.name, of: className), type: apply(to: $0.type)) }
                .sorted { Self.flinkOrder($0.name, $1.name) })
        case let .generic(name, args): return .generic(name, args.map(apply))
        case let .array(component): return .array(apply(to: component))
        case let .row(fields): return .row(fields.map(apply))
        default: return type
        }
    }
    typealias Field = SchemaType.Field

    /// The stored snapshot with the renames applied: a POJO field keeps its serializer under its
    /// new name (its key frame rewritten as `PojoFieldUtils` writes it), an enum's constant list is
    /// renamed in place (ordinals unchanged).
    func apply(to snapshot: SerializerSnapshot) throws -> SerializerSnapshot {
        var out = snapshot
        switch snapshot.payload {
        case .pojo(var pojo):
            pojo.fields = try pojo.fields.map { f in
                var field = f
                if let nested = f.snapshot, touches(SchemaType(nested)) {
                    field.snapshot = try apply(to: nested)
                    field.valueFrame = nil
                }
                let name = renamed(f.name, of: pojo.pojoClassName)
                if name != f.name {
                    field.name = name
                    field.keyFrame = try SnapshotMigration.fieldKey(declaring: f.declaringClass ?? pojo.pojoClassName, name)
                }
                return field
            }.sorted { Self.flinkOrder($0.name, $1.name) }
            out.payload = .pojo(pojo)
        case let .enumeration(className, constants):
            out.payload = .enumeration(enumClass: className, constants: constants.map { renamed($0, of: className) })
        case .composite(var c):
            c.nested = try c.nested.map(apply)
            out.payload = .composite(c)
        case let .ttlAware(enabled, inner):
            out.payload = .ttlAware(ttlEnabled: enabled, inner: try apply(to: inner))
        default: break
        }
        return out
    }

    /// A decoded value of the old type with the renames applied (`type`: the old type).
    func apply(to value: Value, of type: SchemaType) -> Value {
        switch (type, value) {
        case let (.pojo(_, fieldTypes), .pojo(className, fields)):
            return .pojo(className: className, fields: fields.map { f in
                let t = fieldTypes.first { $0.name == f.name }?.type ?? .unknown
                return PojoField(name: renamed(f.name, of: className), value: apply(to: f.value, of: t))
            }.sorted { Self.flinkOrder($0.name, $1.name) })
        case let (.classed(.enumeration, className), .enumConstant(name)): return .enumConstant(renamed(name, of: className))
        case let (.generic("Map", args), .map(entries)) where args.count == 2:
            return .map(entries.map { MapEntry(key: apply(to: $0.key, of: args[0]), value: apply(to: $0.value, of: args[1])) })
        case let (.generic(_, args), .list(elements)) where args.count == 1:
            return .list(elements.map { apply(to: $0, of: args[0]) })
        case let (.array(component), .list(elements)): return .list(elements.map { apply(to: $0, of: component) })
        case let (.generic(_, args), .tuple(values)) where args.count == values.count:
            return .tuple(zip(values, args).map { apply(to: $0, of: $1) })
        case let (.row(types), .row(kind, values)) where types.count == values.count:
            return .row(kind: kind, fields: zip(values, types).map { apply(to: $0, of: $1) })
        case let (.generic("TTL", args), .ttl(timestamp, inner)) where args.count == 1:
            return .ttl(timestamp: timestamp, value: apply(to: inner, of: args[0]))
        case let (.generic("Nullable", args), _) where args.count == 1: return apply(to: value, of: args[0])
        default: return value
        }
    }

    /// `PojoTypeInfo`'s field order: by name (Java's `String.compareTo`, UTF-16 units).
    static func flinkOrder(_ a: String, _ b: String) -> Bool { Array(a.utf16).lexicographicallyPrecedes(b.utf16) }
}

private extension String {
    var trimmingWhitespace: String {
        String(drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
