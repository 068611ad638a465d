/// A parsed JSON value with structural equality, for `--key` filters and for comparing dumps with
/// what real Flink wrote. Integers stay exact (64-bit), other numbers are doubles.
public indirect enum JSONValue: Hashable, Sendable {
    case null, bool(Bool), integer(Int64), number(Double), string(String)
    case array([JSONValue]), object([String: JSONValue])

    /// Parses one JSON text; nil when it is not valid JSON (or nests deeper than 256 levels).
    /// The one JSON parser is `LocatedJSON`'s, which also knows where each value stood.
    public static func parse(_ bytes: [UInt8]) -> JSONValue? {
        var reader = LocatedJSON.Reader(bytes: bytes)
        return (try? reader.document()).flatMap(JSONValue.init)
    }

    /// The value without positions; nil for a number that is not one (the reader takes a run of
    /// number characters as it stands).
    init?(_ located: LocatedJSON) {
        switch located.value {
        case .null: self = .null
        case let .bool(b): self = .bool(b)
        case let .string(s): self = .string(s)
        case let .number(text):
            if let n = Int64(text) { self = .integer(n) } else if let d = Double(text) { self = .number(d) } else { return nil }
        case let .array(items):
            var values: [JSONValue] = []
            values.reserveCapacity(items.count)
            for item in items {
                guard let v = JSONValue(item) else { return nil }
                values.append(v)
            }
            self = .array(values)
        case let .object(members):
            var fields: [String: JSONValue] = [:]
            for (name, member) in members {
                guard let v = JSONValue(member) else { return nil }
                fields[name] = v
            }
            self = .object(fields)
        }
    }
}
