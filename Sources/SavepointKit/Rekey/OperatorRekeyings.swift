import Foundation
import SavepointMetadata

/// The re-keyed readers of every operator a plan moves to another max parallelism, for a writer
/// that writes subtasks side by side: an operator's state is re-keyed once, by the first of its
/// subtasks to ask (the others wait for it, while `KeyGroupRekeying` partitions the input's
/// subtasks on threads of its own), from the input's subtasks opened with the input's own
/// operator (its old max parallelism says how wide the stored key-group prefixes are).
public final class OperatorRekeyings: @unchecked Sendable {
    /// An operator to move: its id in the output (after any id change), the input's operator, and
    /// the new max parallelism.
    public struct Move: Sendable {
        public var outputID: OperatorID
        public var input: OperatorState
        public var maxParallelism: Int
        public init(outputID: OperatorID, input: OperatorState, maxParallelism: Int) {
            self.outputID = outputID
            self.input = input
            self.maxParallelism = maxParallelism
        }
    }

    private final class Entry {
        let move: Move
        let lock = NSLock()
        var rekeying: KeyGroupRekeying?
        init(_ move: Move) { self.move = move }
    }

    private let input: Savepoint
    private let entries: [OperatorID: Entry]
    private let spillDirectory: URL
    private let memoryBudget: Int

    /// `spillDirectory` must exist; spill files are created in it and removed by `removeFiles()`.
    public init(input: Savepoint, moves: [Move], spillDirectory: URL,
                memoryBudget: Int = KeyGroupRekeying.defaultMemoryBudget) {
        self.input = input
        entries = Dictionary(moves.map { ($0.outputID, Entry($0)) }, uniquingKeysWith: { a, _ in a })
        self.spillDirectory = spillDirectory
        self.memoryBudget = memoryBudget
    }

    /// Whether the operator (by its output id) is re-keyed.
    public func moves(_ id: OperatorID) -> Bool { entries[id] != nil }

    /// Subtask `subtask`'s re-keyed reader of the operator with output id `id`; nil when the
    /// operator is not re-keyed.
    public func reader(operator id: OperatorID, subtask: Int) throws -> RekeyedSubtaskReader? {
        guard let readers = try readers(operator: id) else { return nil }
        guard readers.indices.contains(subtask) else {
            throw SavepointError.io("operator \(entries[id]!.move.input.displayName) has no subtask \(subtask) at parallelism \(readers.count)")
        }
        return readers[subtask]
    }

    /// The re-keyed reader of the subtask whose new key-group range is `range` (the range of the
    /// stand-in handle `MaxParallelismChange.planned` gave it); nil when the operator is not re-keyed.
    public func reader(operator id: OperatorID, keyGroupRange range: KeyGroupRange) throws -> RekeyedSubtaskReader? {
        guard let readers = try readers(operator: id) else { return nil }
        guard let reader = readers.first(where: { $0.keyGroupRange == range }) else {
            throw SavepointError.io("operator \(entries[id]!.move.input.displayName): no subtask has \(range) at max parallelism \(entries[id]!.move.maxParallelism)")
        }
        return reader
    }

    private func readers(operator id: OperatorID) throws -> [RekeyedSubtaskReader]? {
        guard let entry = entries[id] else { return nil }
        entry.lock.lock()
        defer { entry.lock.unlock() }
        if entry.rekeying == nil {
            let op = entry.move.input
            do {
                let readers = try op.subtaskStates.compactMap(\.state?.managedKeyedState).map {
                    try RawKeyedStateReaders.open($0, of: op, in: input)
                }
                entry.rekeying = try KeyGroupRekeying(readers: readers, maxParallelism: entry.move.maxParallelism,
                                                      parallelism: op.parallelism, spillDirectory: spillDirectory,
                                                      memoryBudget: memoryBudget)
            } catch let e as RekeyError {
                throw e.forOperator(op)
            }
        }
        return entry.rekeying!.subtaskReaders
    }

    /// Entries moved per state of the operator with output id `id` (empty until it is re-keyed).
    public func entriesPerState(operator id: OperatorID) -> [String: Int64] {
        guard let e = entries[id] else { return [:] }
        return e.lock.withLock { e.rekeying?.entriesPerState ?? [:] }
    }

    /// Removes every spill file (idempotent).
    public func removeFiles() {
        for e in entries.values { e.lock.withLock { e.rekeying?.removeFiles() } }
    }
}

extension MaxParallelismChange {
    /// The metadata a writer starts from: `op` at `maxParallelism`, every subtask `0..<parallelism`
    /// holding a keyed handle whose range is its new one (the input's handle stands in until the
    /// written one replaces it), so that each subtask that may receive entries is written. For an
    /// operator without keyed state only the max parallelism changes. `check` first.
    public static func planned(_ op: OperatorState, maxParallelism: Int) -> OperatorState {
        guard maxParallelism != op.maxParallelism else { return op }
        guard let standIn = op.subtaskStates.lazy.compactMap(\.state?.managedKeyedState).first else {
            var out = op
            out.maxParallelism = maxParallelism
            return out
        }
        var out = op
        out.maxParallelism = maxParallelism
        for (i, range) in keyGroupRanges(maxParallelism: maxParallelism, parallelism: op.parallelism).enumerated() {
            out.setManagedKeyedState((op.subtaskState(i)?.managedKeyedState ?? standIn).covering(range), ofSubtask: i)
        }
        out.subtaskStates.sort { $0.subtaskIndex < $1.subtaskIndex }
        return out
    }
}

extension KeyedStateHandle {
    /// The handle with another key-group range (a stand-in in a planned `_metadata`, never read:
    /// its offsets are zeros, one per key group, so that it serializes as the written one will).
    func covering(_ range: KeyGroupRange) -> KeyedStateHandle {
        switch self {
        case var .keyGroups(h):
            h.keyGroupRange = range
            h.offsets = Array(repeating: 0, count: range.numberOfKeyGroups)
            return .keyGroups(h)
        case var .incrementalRemote(h): h.keyGroupRange = range; return .incrementalRemote(h)
        default: return self
        }
    }
}
