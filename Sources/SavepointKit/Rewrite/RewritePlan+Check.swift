import CanonicalFormat
import SavepointMetadata

/// What a checked plan does to one operator of the input.
public struct OperatorChange: Sendable, Equatable {
    /// Index of the operator in the input's `_metadata`.
    public var index: Int
    /// The operator as the input has it (uid, id), for messages and the report.
    public var before: OperatorState
    public var removed = false
    /// The operator's new id, nil when it keeps its id.
    public var newID: OperatorID?
    /// The uid the operator is known by afterwards; stored in `_metadata` version 5 and later only.
    public var newUid: String?
    /// Keyed states renamed, old name to new name.
    public var stateRenames: [String: String] = [:]
    /// Keyed states dropped with their entries.
    public var droppedStates: Set<String> = []
    /// Keys whose entries leave (`--delete-keys`), and the only keys whose entries stay
    /// (`--keep-keys`); nil: no such operation.
    public var deletedKeys: Set<JSONValue>?
    public var keptKeys: Set<JSONValue>?
    /// TTL states purged of expired entries: the TTL in milliseconds by state name.
    public var ttlPurges: [String: Int64] = [:]
    /// The operations on it, as their command-line options.
    public var operations: [String] = []
    /// Its new max parallelism (`--max-parallelism`), nil when it keeps its own.
    public var newMaxParallelism: Int?
    /// Entries whose values `--upsert` replaces, by state and canonical key (`UpsertFile.encode`),
    /// and the lines of the file they come from, matched while reading.
    var upserts: [String: [[UInt8]: UpsertEntry]] = [:]
    var upsertMatches: [UpsertMatches] = []

    /// The operator's id in the output.
    public var finalID: OperatorID { newID ?? before.operatorID }

    /// Whether the plan changes its keyed state (which then goes through the pipeline or, for a
    /// rename of a stream's states alone, gets a new stream header).
    var changesKeyedState: Bool { !stateRenames.isEmpty || touchesEntries }
    /// Whether its keyed entries must be read and written again (not just copied).
    var touchesEntries: Bool { !droppedStates.isEmpty || deletedKeys != nil || keptKeys != nil || !ttlPurges.isEmpty || !upserts.isEmpty || rekeys }
    /// Whether its keyed entries move to other key groups (`KeyGroupRekeying`).
    var rekeys: Bool {
        newMaxParallelism.map { $0 != before.maxParallelism } == true && MaxParallelismChange.hasKeyedState(before)
    }

    /// The keyed-entry stages the plan applies to it: TTL purges (as of `now`, milliseconds since
    /// the epoch) and key filters, then drops (names as the input has them), then renames.
    func stages(now: Int64) -> [any KeyedEntryStage] {
        var out: [any KeyedEntryStage] = []
        // First: its lines name states and entries as the input has them.
        if !upserts.isEmpty { out.append(UpsertStage(entries: upserts)) }
        if !ttlPurges.isEmpty { out.append(TTLPurgeStage(ttl: ttlPurges, now: now)) }
        if deletedKeys != nil || keptKeys != nil { out.append(KeyFilterStage(delete: deletedKeys, keep: keptKeys)) }
        if !droppedStates.isEmpty { out.append(DropStatesStage(names: droppedStates)) }
        if !stateRenames.isEmpty { out.append(RenameStatesStage(renames: stateRenames)) }
        return out
    }
}

extension RewritePlan {
    /// Refuses, before anything is written, an operation naming no operator or state of the
    /// savepoint (the message lists what exists, as `dump --operator` does), and contradicting
    /// operations: two different changes of one operator's identity (removing it and changing its
    /// uid), renaming state of a removed operator, two operators ending with the same id (a uid
    /// change onto an operator that stays, or two changes onto one id), a rename onto an existing
    /// state. Selectors name operators and states as the input has them. Returns what happens to
    /// each operator touched, in `_metadata` order.
    @discardableResult
    public func check(against savepoint: Savepoint) throws -> [OperatorChange] {
        let operators = savepoint.metadata.operatorStates
        var changes: [Int: OperatorChange] = [:]
        var identityOperation: [Int: String] = [:]
        var everywhere: [Operation] = []
        // Operators a max parallelism was given for by name (the others' came from `--max-parallelism N`).
        var namedMaxParallelism = Set<Int>()
        for (operation, target) in try Self.targets(of: operations, in: operators) {
            guard let index = target else {
                // An operation on the whole savepoint: a purge of every TTL state, of the operators
                // that stay (applied once every removal is known).
                if case .purgeExpiredTTL = operation { everywhere.append(operation) }
                if case .upsert = operation { everywhere.append(operation) }
                continue
            }
            let op = operators[index]
            var change = changes[index] ?? OperatorChange(index: index, before: op)
            var identity = change
            switch operation {
            case let .renameState(_, state, to):
                if let earlier = change.stateRenames[state], earlier != to {
                    throw SavepointError.usage("--rename-state \(op.displayName)/\(state)=\(earlier) and \(operation.commandLine) contradict: one state, two new names")
                }
                if let other = change.stateRenames.first(where: { $0.key != state && $0.value == to }) {
                    throw SavepointError.usage("--rename-state \(op.displayName)/\(other.key)=\(to) and \(operation.commandLine) contradict: two states would be named \(to)")
                }
                change.stateRenames[state] = to
            case let .dropState(_, state):
                change.droppedStates.insert(state)
            case let .setMaxParallelism(selector, n):
                if selector != nil { namedMaxParallelism.insert(index) }
                if let earlier = change.newMaxParallelism, earlier != n,
                   let first = change.operations.first(where: { $0.hasPrefix("--max-parallelism") }) {
                    throw SavepointError.usage("\(first) and \(operation.commandLine) contradict: operator \(op.displayName) gets two max parallelisms")
                }
                change.newMaxParallelism = n
            case let .purgeExpiredTTL(_, state?, ttl):
                let ttlStates = try Self.ttlStates(of: op, in: savepoint)
                guard ttlStates.contains(state) else {
                    let names = try StateNames.of(op, in: savepoint)
                    let what = names.names.contains(state) ? "state \(state) of operator \(op.displayName) holds no TTL values"
                        : "operator \(op.displayName) has no state \(state)"
                    throw SavepointError.usage("\(operation.commandLine): \(what); its TTL states: "
                        + (ttlStates.isEmpty ? "none" : ttlStates.joined(separator: ", ")))
                }
                change.ttlPurges[state] = try TTLPurgeStage.duration(ttl, option: "--purge-expired-ttl")
            case .purgeExpiredTTL, .upsert:
                break
            case let .deleteKeys(_, file), let .keepKeys(_, file):
                let option = operation.commandLine.prefix { $0 != " " }
                let keyType = try StateNames.of(op, in: savepoint).keyType
                guard keyType != nil else {
                    throw SavepointError.usage("\(operation.commandLine): operator \(op.displayName) has no keyed state")
                }
                let keys = try KeyFilterStage.readKeys(file, option: String(option), keyType: keyType)
                if case .deleteKeys = operation {
                    change.deletedKeys = (change.deletedKeys ?? []).union(keys)
                } else {
                    change.keptKeys = (change.keptKeys ?? []).union(keys)
                }
            case .removeOperator:
                identity.removed = true
            case let .setUid(_, uid):
                identity.newID = OperatorID(uid: uid)
                identity.newUid = uid
            case let .setOperatorID(_, id):
                identity.newID = id
                // A stored uid whose hash is no longer the id would name the wrong operator.
                identity.newUid = op.uid.flatMap { OperatorID(uid: $0) == id ? $0 : nil }
            }
            if operation.changesState {} else {
                if let earlier = identityOperation[index],
                   (identity.removed, identity.newID, identity.newUid) != (change.removed, change.newID, change.newUid) {
                    throw SavepointError.usage("\(earlier) and \(operation.commandLine) contradict: "
                        + "both change operator \(op.displayName); give one operation per operator")
                }
                identityOperation[index] = identityOperation[index] ?? operation.commandLine
                (change.removed, change.newID, change.newUid) = (identity.removed, identity.newID, identity.newUid)
            }
            if !change.operations.contains(operation.commandLine) { change.operations.append(operation.commandLine) }
            if change.removed, let rename = change.operations.first(where: { Self.changesStateOption($0) }) {
                throw SavepointError.usage("\(identityOperation[index]!) and \(rename) contradict: the operator is removed with its state")
            }
            changes[index] = change
        }
        for operation in everywhere {
            if case let .upsert(file) = operation { try Self.upsert(file, operation: operation, in: savepoint, changes: &changes) }
            guard case let .purgeExpiredTTL(_, _, ttl) = operation else { continue }
            try Self.purgeEverywhere(ttl, operation: operation, in: savepoint, changes: &changes)
        }
        try Self.checkMaxParallelism(&changes, named: namedMaxParallelism, in: savepoint)
        try Self.checkDistinctIDs(operators, changes)
        for change in changes.values where change.changesKeyedState {
            try Self.checkStateOperations(change, in: savepoint)
        }
        return changes.keys.sorted().map { changes[$0]! }
    }

    /// The keyed states of `op` that hold TTL values (`TTLPurgeStage.layout`), in header order.
    static func ttlStates(of op: OperatorState, in savepoint: Savepoint) throws -> [String] {
        guard let keyed = op.subtaskStates.lazy.compactMap(\.state?.managedKeyedState).first else { return [] }
        let proxy = try KeyedStateHeader.read(keyed, of: op, in: savepoint).proxy
        return try proxy.states.filter { try TTLPurgeStage.layout(of: $0, keySerializer: proxy.keySerializer) != nil }.map(\.name)
    }

    /// `--purge-expired-ttl DURATION`: every TTL state of every operator; none at all is an error.
    static func purgeEverywhere(_ ttl: String, operation: Operation, in savepoint: Savepoint,
                                changes: inout [Int: OperatorChange]) throws {
        let millis = try TTLPurgeStage.duration(ttl, option: "--purge-expired-ttl")
        var found = false
        for (index, op) in savepoint.metadata.operatorStates.enumerated() {
            let states = try ttlStates(of: op, in: savepoint)
            guard !states.isEmpty else { continue }
            found = true
            if changes[index]?.removed == true { continue }
            var change = changes[index] ?? OperatorChange(index: index, before: op)
            for state in states where change.ttlPurges[state] == nil { change.ttlPurges[state] = millis }
            if !change.operations.contains(operation.commandLine) { change.operations.append(operation.commandLine) }
            changes[index] = change
        }
        guard found else { throw SavepointError.usage("\(operation.commandLine): the savepoint has no TTL state") }
    }

    /// `--upsert FILE`: the file's lines by the operator they name, encoded with its serializers;
    /// an operator that does not exist, or is removed by the plan, is an error naming the line.
    static func upsert(_ file: String, operation: Operation, in savepoint: Savepoint,
                       changes: inout [Int: OperatorChange]) throws {
        let lines = try UpsertFile.lines(file)
        let matches = UpsertMatches(file: file, lines: Dictionary(uniqueKeysWithValues: lines.map {
            ($0.number, "state \($0.state) of operator \($0.op) with key \($0.fields["key"]!.text)")
        }))
        let operators = savepoint.metadata.operatorStates
        var byOperator: [Int: [UpsertFile.Line]] = [:]
        for line in lines {
            let index = try operatorIndex(line.op, in: operators, for: operation)
            byOperator[index, default: []].append(line)
        }
        for (index, lines) in byOperator {
            var change = changes[index] ?? OperatorChange(index: index, before: operators[index])
            if change.removed {
                throw SavepointError.usage("--remove-operator \(operators[index].displayName) and \(operation.commandLine) contradict: "
                    + "\(file):\(lines[0].number) writes into the removed operator")
            }
            for (state, entries) in try UpsertFile.encode(lines, file: file, matches: matches, of: operators[index], in: savepoint) {
                for (key, entry) in entries {
                    // Within one file `encode` refuses it; here the other line is another file's.
                    if let earlier = change.upserts[state]?[key] {
                        throw SavepointError.usage("--upsert: \(file):\(entry.line): the same entry as \(earlier.matches.file):\(earlier.line)")
                    }
                    change.upserts[state, default: [:]][key] = entry
                }
            }
            change.upsertMatches.append(matches)
            if !change.operations.contains(operation.commandLine) { change.operations.append(operation.commandLine) }
            changes[index] = change
        }
    }

    /// Whether a command line is of an operation on states (not on the operator's identity).
    static func changesStateOption(_ commandLine: String) -> Bool {
        ["--rename-state", "--drop-state", "--delete-keys", "--keep-keys", "--purge-expired-ttl", "--upsert"].contains { commandLine.hasPrefix($0 + " ") }
    }

    /// Each operation with the operator it acts on: the one its selector names, every operator for
    /// `--max-parallelism N`, none (nil) for an operation on the whole savepoint (a purge of every
    /// TTL state).
    static func targets(of operations: [Operation], in operators: [OperatorState]) throws -> [(Operation, Int?)] {
        try operations.flatMap { operation -> [(Operation, Int?)] in
            guard let selector = operation.operatorSelector else {
                if case .setMaxParallelism = operation { return operators.indices.map { (operation, $0) } }
                return [(operation, nil)]
            }
            return [(operation, try operatorIndex(selector, in: operators, for: operation))]
        }
    }

    /// A new max parallelism: refused for an operator removed by name, dropped for one removed
    /// when it came from `--max-parallelism N`; else checked against Flink's bounds, the
    /// operator's parallelism and its key type (`MaxParallelismChange`, `KeyGroupAssigner`).
    static func checkMaxParallelism(_ changes: inout [Int: OperatorChange], named: Set<Int>, in savepoint: Savepoint) throws {
        for index in changes.keys.sorted() {
            let change = changes[index]!
            guard let n = change.newMaxParallelism else { continue }
            let op = change.before
            if change.removed {
                if named.contains(index) {
                    throw SavepointError.usage("--remove-operator \(op.displayName) and --max-parallelism \(op.displayName)=\(n) contradict: the operator is removed with its state")
                }
                changes[index]!.newMaxParallelism = nil
                changes[index]!.operations.removeAll { $0.hasPrefix("--max-parallelism") }
                continue
            }
            try MaxParallelismChange.check(op, maxParallelism: n, in: savepoint)
        }
    }

    /// The one operator `selector` names (uid, id in hex, or a uid whose hash is the id).
    static func operatorIndex(_ selector: String, in operators: [OperatorState], for operation: Operation) throws -> Int {
        let matching = operators.indices.filter { operators[$0].matches(selector) }
        guard let first = matching.first else {
            throw SavepointError.usage("\(operation.commandLine): no operator \(selector); the savepoint has: \(operators.listing)")
        }
        guard matching.count == 1 else {
            throw SavepointError.usage("\(operation.commandLine): \(selector) names \(matching.count) operators ("
                + matching.map { operators[$0].operatorID.hex }.joined(separator: ", ") + "); name one by its operator id")
        }
        return first
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
            let operation = changes[moved]!.operations.first { !Self.changesStateOption($0) } ?? ""
            if let holderChange = changes[holder], holderChange.newID != nil {
                let first = holderChange.operations.first { !Self.changesStateOption($0) } ?? ""
                throw SavepointError.usage("\(first) and \(operation) contradict: both operators would have id \(id.hex)")
            }
            throw SavepointError.usage("\(operation): operator id \(id.hex) is already operator "
                + "\(operators[holder].displayName); remove or rename it in the same plan")
        }
    }

    /// Renames and drops apply to keyed states (operator state not yet), in every form; timers,
    /// which Flink names itself, may be dropped but not renamed. A state dropped and renamed, or
    /// renamed onto a state that stays, is a contradiction.
    static func checkStateOperations(_ change: OperatorChange, in savepoint: Savepoint) throws {
        let op = change.before
        let states = try StateNames.of(op, in: savepoint)
        func keyed(_ name: String, _ operation: String) throws -> StateMetaInfoSnapshot {
            guard states.names.contains(name) else {
                throw SavepointError.usage("\(operation): operator \(op.displayName) has no state \(name); it has: \(states.listing)")
            }
            guard let meta = states.keyed.first(where: { $0.name == name }) else {
                throw SavepointError.unsupported("\(operation): \(name) is operator state; only keyed state can be renamed or dropped yet")
            }
            return meta
        }
        for name in change.droppedStates.sorted() {
            let operation = "--drop-state \(op.displayName)/\(name)"
            _ = try keyed(name, operation)
            if let new = change.stateRenames[name] {
                throw SavepointError.usage("\(operation) and --rename-state \(op.displayName)/\(name)=\(new) contradict: one state dropped and renamed")
            }
            if let line = change.upserts[name]?.values.min(by: { $0.line < $1.line }) {
                throw SavepointError.usage("\(operation) and --upsert \(line.matches.file) contradict: line \(line.line) writes into the dropped state")
            }
        }
        for (old, new) in change.stateRenames.sorted(by: { $0.key < $1.key }) {
            let operation = "--rename-state \(op.displayName)/\(old)=\(new)"
            let meta = try keyed(old, operation)
            guard !states.names.contains(new) || change.droppedStates.contains(new) else {
                throw SavepointError.usage("\(operation): operator \(op.displayName) already has a state \(new)")
            }
            guard meta.backendStateType != .priorityQueue else {
                throw SavepointError.usage("\(operation): \(old) holds timers, which Flink names itself; it cannot be renamed")
            }
        }
    }
}

extension RewritePlan.Operation {
    /// Whether the operation changes an operator's states (not its identity).
    var changesState: Bool {
        switch self {
        case .renameState, .dropState, .deleteKeys, .keepKeys, .purgeExpiredTTL, .setMaxParallelism, .upsert: true
        default: false
        }
    }
}
