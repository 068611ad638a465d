import SavepointMetadata

/// What a checked plan does to one operator of the input.
public struct OperatorChange: Sendable, Equatable {
    /// Index of the operator in the input's `_metadata`.
    public var index: Int
    /// The operator as the input has it (uid, id), for messages and the report.
    public var before: OperatorState
    public var removed: Bool
    /// The operator's new id, nil when it keeps its id.
    public var newID: OperatorID?
    /// The uid the operator is known by afterwards; stored in `_metadata` version 5 and later only.
    public var newUid: String?
    /// The operation that changed it, as its command-line option.
    public var operation: String
}

extension RewritePlan {
    /// Refuses, before anything is written, an operation naming no operator of the savepoint (the
    /// message lists what exists, as `dump --operator` does), and contradicting operations: two
    /// different operations on one operator (removing it and changing its uid), and two operators
    /// ending with the same id (a uid change onto an operator that stays, or two changes onto one
    /// id). Selectors name operators as the input has them. Returns what happens to each operator
    /// touched, in `_metadata` order.
    @discardableResult
    public func check(against savepoint: Savepoint) throws -> [OperatorChange] {
        let operators = savepoint.metadata.operatorStates
        var changes: [Int: OperatorChange] = [:]
        for operation in operations {
            let index = try Self.operatorIndex(operation.operatorSelector, in: operators, for: operation)
            let op = operators[index]
            var change = OperatorChange(index: index, before: op, removed: false, newID: nil, newUid: nil,
                                        operation: operation.commandLine)
            switch operation {
            case .removeOperator:
                change.removed = true
            case let .setUid(_, uid):
                change.newID = OperatorID(uid: uid)
                change.newUid = uid
            case let .setOperatorID(_, id):
                change.newID = id
                // A stored uid whose hash is no longer the id would name the wrong operator.
                change.newUid = op.uid.flatMap { OperatorID(uid: $0) == id ? $0 : nil }
            }
            if let earlier = changes[index], earlier != change {
                throw SavepointError.usage("\(earlier.operation) and \(change.operation) contradict: "
                    + "both change operator \(op.displayName); give one operation per operator")
            }
            changes[index] = change
        }
        try Self.checkDistinctIDs(operators, changes)
        return changes.keys.sorted().map { changes[$0]! }
    }

    /// The one operator `selector` names (uid, id in hex, or a uid whose hash is the id).
    static func operatorIndex(_ selector: String, in operators: [OperatorState], for operation: Operation) throws -> Int {
        let matching = operators.indices.filter { operators[$0].matches(selector) }
        guard let first = matching.first else {
            throw SavepointError.usage("\(operation.commandLine): no operator \(selector); the savepoint has: "
                + Self.describe(operators))
        }
        guard matching.count == 1 else {
            throw SavepointError.usage("\(operation.commandLine): \(selector) names \(matching.count) operators ("
                + matching.map { operators[$0].operatorID.hex }.joined(separator: ", ") + "); name one by its operator id")
        }
        return first
    }

    static func describe(_ operators: [OperatorState]) -> String {
        guard !operators.isEmpty else { return "no operators" }
        return operators.map { op in op.uid.flatMap { $0.isEmpty ? nil : "\($0) (\(op.operatorID.hex))" } ?? op.operatorID.hex }
            .joined(separator: ", ")
    }

    /// Flink matches state to operators by id only: two operators with one id cannot restore.
    static func checkDistinctIDs(_ operators: [OperatorState], _ changes: [Int: OperatorChange]) throws {
        var owner: [OperatorID: Int] = [:]
        for i in operators.indices where changes[i]?.removed != true {
            let id = changes[i]?.newID ?? operators[i].operatorID
            guard let other = owner[id] else {
                owner[id] = i
                continue
            }
            // Name the operation that moved onto the id, and the operator that holds it.
            let (moved, holder) = changes[i]?.newID != nil ? (i, other) : (other, i)
            let operation = changes[moved]!.operation
            if let holderChange = changes[holder], holderChange.newID != nil {
                throw SavepointError.usage("\(holderChange.operation) and \(operation) contradict: "
                    + "both operators would have id \(id.hex)")
            }
            throw SavepointError.usage("\(operation): operator id \(id.hex) is already operator "
                + "\(operators[holder].displayName); remove or rename it in the same plan")
        }
    }
}
