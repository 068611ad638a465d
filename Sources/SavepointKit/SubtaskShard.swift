import SavepointMetadata

/// `--subtasks I-J`: one worker's share of a savepoint too large for one machine, so that the
/// workers of a batch engine (a Kubernetes Indexed Job, a shell loop) each run `dump`, `validate`
/// or `report` on their part. A shard holds, of every operator, the subtasks with index I…J
/// (inclusive), and with them everything a subtask's handles hold: its key-group range of keyed
/// state (canonical stream or RocksDB instance), its operator-state elements, its channel state.
/// An operator whose parallelism is ≤ I contributes nothing to the shard.
///
/// The parts that belong to no subtask go to the shard holding subtask 0 (`holdsSavepointWide`):
/// `_metadata` and its bytes, coordinator state, findings about the savepoint as a whole or about
/// key groups (coverage). A broadcast state, which every subtask holds a copy of and `dump` prints
/// once, is printed by the shard holding the lowest subtask that has it (subtask 0 as Flink writes
/// it). So shards 0-a, a+1-b, …, up to the largest parallelism partition the whole: every dump
/// line, finding and byte is in exactly one shard.
public struct SubtaskShard: Sendable, Equatable, CustomStringConvertible {
    public let subtasks: ClosedRange<Int>

    public init(_ subtasks: ClosedRange<Int>) {
        self.subtasks = subtasks
    }

    /// `I-J` or `I` (non-negative, I ≤ J).
    public static func parse(_ text: String) throws -> SubtaskShard {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        let bounds = parts.map { Int($0) }
        guard (1...2).contains(bounds.count), let first = bounds.first!, let last = bounds.last!, first >= 0 else {
            throw SavepointError.usage("--subtasks takes a subtask index or a range I-J of them (from 0), e.g. 0-3 or 5; got \(text)")
        }
        guard first <= last else {
            throw SavepointError.usage("--subtasks \(text): the first subtask \(first) is after the last \(last)")
        }
        return SubtaskShard(first...last)
    }

    public func holds(subtask: Int) -> Bool { subtasks.contains(subtask) }

    /// What belongs to no subtask (`_metadata`, coordinators, savepoint-wide findings) is in the
    /// shard that holds subtask 0.
    public var holdsSavepointWide: Bool { subtasks.lowerBound == 0 }

    /// A subtask index (nil: savepoint-wide) belongs to this shard.
    public func holds(_ subtask: Int?) -> Bool { subtask.map(holds(subtask:)) ?? holdsSavepointWide }

    /// Refuses a shard that starts past every operator's last subtask (it would be empty: a
    /// mistyped range, not a share), naming each operator's parallelism. The end may go past it,
    /// so fixed-size chunks (0-99, 100-199, …) need no clamping.
    public func check(against operators: [OperatorState]) throws {
        let largest = operators.map(\.parallelism).max() ?? 0
        guard subtasks.lowerBound >= largest else { return }
        let listed = operators.map { "\($0.displayName) \($0.parallelism)" }.joined(separator: ", ")
        throw SavepointError.usage("--subtasks \(self): no operator has subtask \(subtasks.lowerBound); "
            + "subtasks run from 0 to \(max(largest - 1, 0)) (parallelism: \(listed.isEmpty ? "no operators" : listed))")
    }

    public var description: String {
        subtasks.lowerBound == subtasks.upperBound ? "\(subtasks.lowerBound)" : "\(subtasks.lowerBound)-\(subtasks.upperBound)"
    }
}

extension Savepoint {
    /// The savepoint as far as `shard` holds it: each operator's subtasks in the shard, and its
    /// coordinator state only in the shard holding subtask 0. Parallelism and max parallelism stay.
    func restricted(to shard: SubtaskShard) -> Savepoint {
        var part = self
        for i in part.metadata.operatorStates.indices {
            part.metadata.operatorStates[i].subtaskStates.removeAll { !shard.holds(subtask: $0.subtaskIndex) }
            if !shard.holdsSavepointWide { part.metadata.operatorStates[i].coordinatorState = nil }
        }
        return part
    }
}
