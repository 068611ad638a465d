import SavepointMetadata

/// What wrote a savepoint or checkpoint, in Flink's words: the snapshot format
/// (`SavepointFormatType`), the state backend (`state.backend.type`) and the checkpoint storage
/// (`state.checkpoint-storage`), with the 1.x class names for Flink 1.x snapshots.
///
/// The trailer of `_metadata` (V4+) records whether it is a savepoint and its format; the backend
/// is told from the keyed state's layout: heap layout → `hashmap`, LSM → `rocksdb` (or `forst`:
/// its tables use ForSt's default two-level index); a canonical stream does not record its
/// backend, except that RocksDB (with its own timer service) registers timers before user state.
/// The storage is `jobmanager` when every stream is inline in `_metadata`.
public struct SnapshotOrigin: Codable, Sendable, Equatable {
    /// `savepoint` or `checkpoint`.
    public var kind: String
    /// `CANONICAL` or `NATIVE`.
    public var snapshotFormat: String?
    /// `hashmap`, `rocksdb` or `forst`; nil when the snapshot does not tell (canonical state).
    public var stateBackend: String?
    /// Flink 1.x's name for backend and storage together: `MemoryStateBackend`, `FsStateBackend`,
    /// `RocksDBStateBackend` (nil for Flink 2.x snapshots, or when the backend is not told).
    public var legacyStateBackend: String?
    /// `jobmanager` or `filesystem`.
    public var checkpointStorage: String
    /// `1.x` or `2.x`, from the metadata version (Flink 2.0 moved to V5).
    public var flinkVersion: String

    init(_ savepoint: Savepoint, keyedLayouts: [String], timersFirst: Bool, twoLevelIndex: Bool) {
        let m = savepoint.metadata
        let properties = try? m.checkpointPropertiesSummary()
        // Before V4 nothing records the kind: a `chk-N` directory (a job directory above it) tells it.
        let isCheckpoint = properties.map { !$0.isSavepoint } ?? (savepoint.location.jobDirectory != nil)
        kind = isCheckpoint ? "checkpoint" : "savepoint"
        let form = SavepointForm(m)
        checkpointStorage = form == .memorySnapshot ? "jobmanager" : "filesystem"
        flinkVersion = m.version >= 5 ? "2.x" : "1.x"
        if keyedLayouts.contains("LSM") {
            stateBackend = twoLevelIndex ? "forst" : "rocksdb"
        } else if keyedLayouts.contains("heap") {
            stateBackend = "hashmap"
        } else if keyedLayouts.contains("canonical"), timersFirst {
            stateBackend = "rocksdb"
        }
        // Before V4 the format is not recorded; a savepoint's keyed layout tells it. Checkpoints
        // have no savepoint format.
        if let recorded = properties?.savepointFormatType {
            snapshotFormat = recorded
        } else if !isCheckpoint, keyedLayouts.contains("LSM") || keyedLayouts.contains("heap") {
            snapshotFormat = "NATIVE"
        } else if !isCheckpoint, keyedLayouts.contains("canonical") {
            snapshotFormat = "CANONICAL"
        }
        legacyStateBackend = nil
        if flinkVersion == "1.x" {
            switch (stateBackend, checkpointStorage) {
            case ("hashmap", "jobmanager"): legacyStateBackend = "MemoryStateBackend"
            case ("hashmap", _): legacyStateBackend = "FsStateBackend"
            case ("rocksdb", _): legacyStateBackend = "RocksDBStateBackend"
            default: break
            }
        }
    }

    /// One line: `savepoint, CANONICAL, state backend hashmap (FsStateBackend), checkpoint storage filesystem`.
    public var summary: String {
        var backend = stateBackend ?? "hashmap or rocksdb (a canonical snapshot does not record which)"
        if let legacyStateBackend { backend += " (\(legacyStateBackend))" }
        return [kind, snapshotFormat, "state backend \(backend)", "checkpoint storage \(checkpointStorage)"]
            .compactMap { $0 }.joined(separator: ", ")
    }

    /// A few words: `NATIVE hashmap savepoint, filesystem storage`.
    public var short: String {
        [snapshotFormat, stateBackend, kind].compactMap { $0 }.joined(separator: " ") + ", \(checkpointStorage) storage"
    }
}
