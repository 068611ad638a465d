import CanonicalFormat
import SavepointMetadata

/// The state names and key type of an operator, from its headers only (no state data read):
/// the keyed header of the first subtask that has one, and every operator-state partition name.
struct StateNames {
    /// Keyed states first (in the header's order), then operator states.
    var names: [String]
    var keyType: String?
    /// The keyed states' meta information, and the handle whose header it comes from.
    var keyed: [StateMetaInfoSnapshot] = []
    var keyedHandle: KeyedStateHandle?

    static func of(_ op: OperatorState, in savepoint: Savepoint) throws -> StateNames {
        var out = StateNames(names: [], keyType: nil)
        if let keyed = op.subtaskStates.lazy.compactMap(\.state?.managedKeyedState).first {
            let header = try KeyedStateHeader.read(keyed, of: op, in: savepoint)
            out.keyType = header.proxy.keySerializer.typeDescription
            out.keyed = header.proxy.states
            out.keyedHandle = keyed
            out.names = header.proxy.states.map(\.name)
        }
        for handle in op.subtaskStates.compactMap(\.state?.managedOperatorState) {
            for partition in handle.stateNameToPartitionOffsets where !out.names.contains(partition.name) {
                out.names.append(partition.name)
            }
        }
        return out
    }

    /// The names as messages list them.
    var listing: String { names.isEmpty ? "no state" : names.joined(separator: ", ") }
}

/// The JSON type a key of a given Flink type renders as in a dump, to refuse a `--key` that can
/// never match (`"388"` for an Integer key). Types without a fixed JSON type are not checked.
enum KeyJSONKind {
    case integer, number, string, bool, array, object

    init?(keyType: String) {
        switch keyType {
        case "Integer", "Long", "Short", "Byte": self = .integer
        case "Double", "Float": self = .number
        case "String", "Character": self = .string
        case "Boolean": self = .bool
        default:
            if keyType.hasPrefix("Tuple") || keyType.hasPrefix("Row") { self = .array }
            else if keyType.hasPrefix("POJO") { self = .object }
            else { return nil }
        }
    }

    func accepts(_ v: JSONValue) -> Bool {
        switch (self, v) {
        case (.integer, .integer), (.number, .integer), (.number, .number), (.string, .string), (.bool, .bool),
             (.array, .array), (.object, .object): return true
        default: return false
        }
    }

    var example: String {
        switch self {
        case .integer: return "a JSON integer, e.g. --key 388"
        case .number: return "a JSON number, e.g. --key 1.5"
        case .string: return "a JSON string, e.g. --key '\"k42\"'"
        case .bool: return "true or false"
        case .array: return "a JSON array of the fields, e.g. --key '[\"a\", 1]'"
        case .object: return "a JSON object of the fields"
        }
    }

    static func describe(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer: return "an integer"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

extension JSONValue {
    /// Compact JSON text, for messages.
    var text: String {
        var out: [UInt8] = []
        ReportJSON.append(self, indent: nil, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
