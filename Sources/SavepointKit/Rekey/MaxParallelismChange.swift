import SavepointMetadata

/// The metadata side of moving an operator to another max parallelism: the operator's max
/// parallelism (the number of key groups, which Flink requires to match the job's:
/// `StateAssignmentOperation.checkParallelismPreconditions`) and each subtask's key-group range,
/// recomputed for the same parallelism (`KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex`).
///
/// Flink keeps one max parallelism per job vertex, so every operator chained with a keyed one
/// must move with it; `--max-parallelism N` moves them all. The keyed state itself moves through
/// `KeyGroupRekeying`; the handles written for it carry the new ranges.
public enum MaxParallelismChange {
    /// Throws unless `op`'s state can move to `maxParallelism`: Flink's bounds, at least the
    /// operator's parallelism, and no state that cannot be re-keyed (raw keyed state is
    /// user-defined bytes; changelog handles are not read by this version). With `savepoint`, also
    /// the key type (read from the first subtask's state meta information; `KeyGroupAssigner`),
    /// so that a key whose hash cannot be computed is refused before anything is written.
    public static func check(_ op: OperatorState, maxParallelism: Int, in savepoint: Savepoint? = nil) throws {
        do {
            try KeyGroupAssigner.check(maxParallelism: maxParallelism, parallelism: op.parallelism)
            for entry in op.subtaskStates {
                guard let state = entry.state else { continue }
                if state.rawKeyedState != nil { throw RekeyError.rawKeyedState }
                switch state.managedKeyedState {
                case nil, .keyGroups?, .incrementalRemote?: break
                default:
                    throw SavepointError.unsupported("subtask \(entry.subtaskIndex) keeps its keyed state in changelog handles, which cannot be re-keyed yet")
                }
            }
            if let savepoint, maxParallelism != op.maxParallelism,
               let handle = op.subtaskStates.lazy.compactMap(\.state?.managedKeyedState).first {
                _ = try KeyGroupAssigner(proxy: try RawKeyedStateReaders.open(handle, of: op, in: savepoint).proxy)
            }
        } catch let e as RekeyError {
            throw e.forOperator(op)
        } catch SavepointError.unsupported(let why) {
            throw SavepointError.unsupported("operator \(op.displayName): \(why)")
        }
    }

    /// Whether `op` has keyed state to move (else only its max parallelism changes).
    public static func hasKeyedState(_ op: OperatorState) -> Bool {
        op.subtaskStates.contains { $0.state?.managedKeyedState != nil }
    }

    /// The key-group range of each subtask `0..<parallelism`.
    public static func keyGroupRanges(maxParallelism: Int, parallelism: Int) -> [KeyGroupRange] {
        (0..<parallelism).map { KeyGroupRange(maxParallelism: maxParallelism, parallelism: parallelism, subtaskIndex: $0) }
    }
}

extension OperatorState {
    /// Subtask `index`'s managed keyed state set to `handle`; a subtask the metadata does not list
    /// gets an entry (appended: callers sort once when done).
    mutating func setManagedKeyedState(_ handle: KeyedStateHandle?, ofSubtask index: Int) {
        if let k = subtaskStates.firstIndex(where: { $0.subtaskIndex == index }) {
            if subtaskStates[k].state == nil { subtaskStates[k].state = OperatorSubtaskState() }
            subtaskStates[k].state!.managedKeyedState = handle
        } else {
            var state = OperatorSubtaskState()
            state.managedKeyedState = handle
            subtaskStates.append(OperatorState.SubtaskEntry(subtaskIndex: index, state: state))
        }
    }
}

extension RekeyError {
    /// The error as the command line reports it, naming the operator: a max parallelism Flink
    /// refuses is a usage error; a key type or key that cannot be re-keyed, unsupported input.
    func forOperator(_ op: OperatorState) -> SavepointError {
        switch self {
        case .invalidMaxParallelism: return .usage("operator \(op.displayName): \(self)")
        default: return .unsupported("operator \(op.displayName): \(self)")
        }
    }
}
