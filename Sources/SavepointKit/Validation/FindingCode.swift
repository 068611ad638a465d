/// The stable codes of `validate` findings. The raw values are part of the JSON output and the man
/// page: add new ones, never rename.
public enum FindingCode: String, Sendable, Codable, CaseIterable {
    // Files
    /// The savepoint itself cannot be opened: no `_metadata`, unreadable, or not in Flink's format.
    case unreadableSavepoint = "unreadable-savepoint"
    /// A state file `_metadata` refers to is not there.
    case missingFile = "missing-file"
    /// A state file is there but cannot be read: no permission, a directory, a device.
    case unreadableFile = "unreadable-file"
    /// A state file is shorter than its handle's size or than an offset pointing into it.
    case fileTooSmall = "file-too-small"
    /// A state file is longer than its handle records (appended to, or replaced).
    case fileLargerThanHandle = "file-larger-than-handle"
    /// A path climbs out with `..`, is absolute where it must be relative, leaves the savepoint
    /// directory (or a symlink does) without `--allow-external-paths`, or cannot be mapped.
    case unsafePath = "unsafe-path"
    /// An offset in a handle lies outside the stream it points into.
    case offsetOutOfRange = "offset-out-of-range"

    // Operators and parallelism
    case duplicateOperator = "duplicate-operator"
    /// Parallelism or max parallelism outside 1 ≤ parallelism ≤ max parallelism ≤ 32768.
    case invalidParallelism = "invalid-parallelism"
    case subtaskIndexOutOfRange = "subtask-index-out-of-range"
    case duplicateSubtask = "duplicate-subtask"

    // Key groups (metadata)
    case keyGroupGap = "key-group-gap"
    case keyGroupOverlap = "key-group-overlap"
    /// A handle's key-group range reaches past max parallelism.
    case keyGroupOutOfRange = "key-group-out-of-range"
    /// A subtask's range is not the one Flink assigns for this parallelism (restorable, unusual).
    case keyGroupRangeMismatch = "key-group-range-mismatch"
    case keyGroupOffsetsNotAscending = "key-group-offsets-not-ascending"
    /// A subtask of a keyed operator has no keyed state handle (fine if it never registered state).
    case subtaskWithoutKeyedState = "subtask-without-keyed-state"

    // Handles
    /// Handle types that do not belong together (savepoint and checkpoint handles, different backends).
    case mixedHandleTypes = "mixed-handle-types"
    /// Inline state larger than the state backend would inline.
    case inlineStateTooLarge = "inline-state-too-large"
    /// An incremental (LSM) handle lacks its meta-data stream, CURRENT or MANIFEST, or lists a
    /// file without a handle.
    case incompleteLSMHandle = "incomplete-lsm-handle"
    /// A MANIFEST records another size for a table file than its state handle.
    case lsmFileSizeMismatch = "lsm-file-size-mismatch"

    // Deep: decoding
    /// A state stream's header (serializer snapshots) does not read.
    case unreadableStateHeader = "unreadable-state-header"
    case undecodableEntry = "undecodable-entry"
    case undecodableOperatorState = "undecodable-operator-state"
    /// The RocksDB instance of an LSM handle does not open (CURRENT, MANIFEST, a table footer).
    case unreadableLSMState = "unreadable-lsm-state"
    /// A key's key-group prefix differs from the key group of the block it is in.
    case keyGroupPrefixMismatch = "key-group-prefix-mismatch"
    /// A key hashes (Flink's murmur hash of its Java hashCode) to another key group than the one it
    /// is stored in: a wrong max parallelism or a mangled key.
    case keyGroupMismatch = "key-group-mismatch"
    /// Subtasks hold different copies of a broadcast state.
    case broadcastCopiesDiffer = "broadcast-copies-differ"
    /// Present but not checked by this version (changelog handles, raw state).
    case notChecked = "not-checked"
}
