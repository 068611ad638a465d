import FlinkSerialization
import SavepointMetadata

/// Which entries `dump` prints. Repeated selectors select all of them; a selector that matches
/// nothing is an error naming what exists (`check`), never an empty dump.
public struct DumpFilter: Sendable {
    /// Operators by uid, operator id in hex, or a uid whose operator id matches; empty: all.
    public var operatorSelectors: [String] = []
    /// State names; empty: all.
    public var stateNames: [String] = []
    /// The key to match, as parsed JSON (compared with each entry's key rendered as JSON).
    public var keyJSON: JSONValue?
    public var limit: Int?
    /// `--subtasks`: only these subtasks of each operator (`SubtaskShard`); nil: all.
    public var shard: SubtaskShard?

    public init() {}

    public static func parseKey(_ text: String) throws -> JSONValue {
        guard let value = JSONValue.parse(Array(text.utf8)) else {
            throw SavepointError.usage("--key must be a JSON value, e.g. '\"k42\"' or 42; got \(text)")
        }
        return value
    }

    public func wants(_ op: OperatorState) -> Bool {
        operatorSelectors.isEmpty || operatorSelectors.contains { op.matches($0) }
    }

    public func wants(state name: String) -> Bool { stateNames.isEmpty || stateNames.contains(name) }

    public func wants(subtask: Int) -> Bool { shard?.holds(subtask: subtask) ?? true }

    /// Refuses selectors that match nothing, and a `--key` whose JSON type cannot be the key
    /// type of a selected keyed operator (`"388"` for an Integer key), before anything is printed.
    public func check(against savepoint: Savepoint) throws {
        let operators = savepoint.metadata.operatorStates
        try shard?.check(against: operators)
        for selector in operatorSelectors where !operators.contains(where: { $0.matches(selector) }) {
            throw SavepointError.usage("--operator \(selector) matches no operator; the savepoint has: \(operators.listing)")
        }
        guard !stateNames.isEmpty || keyJSON != nil else { return }
        var available: [(op: OperatorState, states: StateNames)] = []
        for op in operators where wants(op) {
            let header = try StateNames.of(op, in: savepoint)
            available.append((op, header))
            if let keyJSON, let keyType = header.keyType, let expected = KeyJSONKind(keyType: keyType),
               !expected.accepts(keyJSON) {
                throw SavepointError.usage("--key \(keyJSON.text) is \(KeyJSONKind.describe(keyJSON)), "
                    + "but the key type of operator \(op.displayName) is \(keyType): give \(expected.example)")
            }
        }
        for name in stateNames where !available.contains(where: { $0.states.names.contains(name) }) {
            let listed = available.map { "\($0.op.displayName): \($0.states.listing)" }
            throw SavepointError.usage("--state \(name) matches no state of the selected operators; they have "
                + listed.joined(separator: "; "))
        }
    }
}
