import Bytes
import CanonicalFormat
import FlinkSerialization
import Foundation
import LSMFormat
import SavepointMetadata

/// What `inspect` reports: everything `_metadata`, the stream headers and the file sizes tell,
/// without reading any state data (`deep` also reads every entry). Its JSON form (`--json`) is
/// part of the toolkit's interface: keys are added, never renamed.
public struct InspectReport: Codable, Sendable {
    /// The savepoint as the user named it (every report calls its input `path`).
    public var path: String
    public var metadataPath: String
    public var metadataSize: Int
    public var checkpointId: Int64
    public var metadataVersion: Int
    /// `memory-snapshot`, `filesystem`, `LSM`, `mixed`, or `empty`.
    public var form: String
    /// What wrote it, in Flink's words.
    public var origin: SnapshotOrigin
    public var stateSize: Int64
    /// Whether every entry was read (`inspect --deep`): per-state entries and bytes, live entries.
    public var deep: Bool
    public var operators: [Operator]
    public var files: [File]

    public struct Operator: Codable, Sendable {
        public var uid: String?
        /// Where the uid comes from: `metadata` (Flink 2.x savepoints store it) or `--uids`.
        public var uidSource: String?
        public var name: String?
        public var operatorId: String
        public var parallelism: Int
        public var maxParallelism: Int
        public var stateSize: Int64
        /// Key type from the key serializer snapshot (keyed operators only).
        public var keyType: String?
        public var keyGroupCompression: Bool?
        /// `canonical`, `heap` or `LSM`: how the keyed state's streams are laid out.
        public var keyedLayout: String?
        public var states: [State]
        public var subtasks: [Subtask]
        /// LSM (RocksDB native) keyed state only: each column family, summed over the subtasks.
        public var columnFamilies: [ColumnFamily]?
        /// Why the keyed state's header or LSM tables could not be read (a missing or unreadable
        /// file); the rest of the report still stands.
        public var problems: [String]
    }

    /// One RocksDB column family of an LSM operator, from the MANIFEST and the tables' properties.
    public struct ColumnFamily: Codable, Sendable {
        public var name: String
        /// The state stored in it (nil for `default`).
        public var state: String?
        public var sstCount: Int
        /// Bytes of its live tables, as the MANIFEST records them.
        public var totalSize: Int64
        /// Entries in its tables (puts, merge operands, deletes), before merging: what the tables'
        /// properties count.
        public var rawEntries: Int64
        /// Entries a restore sees, after tombstones and overwrites (a list's merge operands are one
        /// entry); counted with `deep` only.
        public var liveEntries: Int64?
        /// Compression names from the tables' properties (e.g. `Snappy`, `NoCompression`).
        public var compression: [String]
        /// Levels holding its live tables.
        public var levels: [Int]
        /// The tables' index type: `binary-search` (RocksDB's default) or `two-level` (ForSt's).
        public var indexType: String
    }

    public struct State: Codable, Sendable {
        public var name: String
        /// value, list, map, reducing, aggregating, timer, operator-list, operator-union, broadcast.
        public var kind: String
        public var keyType: String?
        public var namespaceType: String?
        /// The state's serializer: the whole `List<T>` or `Map<K, V>` for list, map and broadcast state.
        public var valueType: String?
        public var ttl: Bool
        /// Bytes of this state: operator state from its offsets; keyed state with `deep` (the sum
        /// of its entries' canonical keys and values).
        public var size: Int64?
        /// Entries of a keyed state (with `deep`): what a dump prints for it.
        public var entries: Int64?
    }

    public struct Subtask: Codable, Sendable {
        public var index: Int
        public var finished: Bool
        public var keyGroups: KeyGroups?
        public var keyedStateSize: Int64
        public var operatorStateSize: Int64
        public var keyedHandle: String?
    }

    /// A key-group range, both ends included (Flink's `KeyGroupRange`).
    public struct KeyGroups: Codable, Sendable, Equatable {
        public var start: Int
        public var end: Int
    }

    public struct File: Codable, Sendable {
        /// Where the file was looked for.
        public var path: String
        /// The path `_metadata` records, when it differs from `path` (a moved savepoint, a
        /// checkpoint's `shared/` file).
        public var recordedPath: String?
        /// Size as recorded in `_metadata`.
        public var size: Int64
        public var sizeOnDisk: Int64?
        /// `present`, `missing` or `unreadable`.
        public var status: String
        /// The OS's reason for `missing` and `unreadable` (e.g. "Permission denied").
        public var reason: String?
    }
}

extension InspectReport {
    public init(_ savepoint: Savepoint, deep: Bool = false) throws {
        let m = savepoint.metadata
        path = savepoint.path
        metadataPath = savepoint.metadataPath
        metadataSize = savepoint.metadataSize
        checkpointId = m.checkpointId
        metadataVersion = Int(m.version)
        form = SavepointForm(m).rawValue
        self.deep = deep
        operators = try m.operatorStates.map { try Operator($0, in: savepoint, deep: deep) }
        stateSize = operators.reduce(0) { $0 + $1.stateSize }
        files = Self.files(of: savepoint)
        let families = operators.flatMap { $0.columnFamilies ?? [] }
        origin = SnapshotOrigin(savepoint, keyedLayouts: operators.compactMap(\.keyedLayout),
                                timersFirst: operators.contains { $0.timersPrecedeUserState },
                                twoLevelIndex: families.contains { $0.sstCount > 0 }
                                    && families.allSatisfy { $0.sstCount == 0 || $0.indexType == "two-level" })
    }

    static func files(of savepoint: Savepoint) -> [File] {
        savepoint.location.referencedStreams(of: savepoint.metadata).compactMap { ref in
            let recorded = ref.handle.recordedPath
            switch ref.resolved {
            case let .failure(error):
                return File(path: recorded ?? "\(ref.handle)", size: ref.handle.stateSize, status: "missing",
                            reason: error.description)
            case .success(.inline):
                return nil
            case let .success(.file(range)):
                let status = savepoint.storage.status(range.path)
                var onDisk: Int64?
                if case let .regularFile(size) = status { onDisk = size }
                return File(path: range.path, recordedPath: recorded == range.path ? nil : recorded,
                            size: ref.handle.stateSize, sizeOnDisk: onDisk,
                            status: status.isRegularFile ? "present" : (status.isMissing ? "missing" : "unreadable"),
                            reason: status.problemAsFile)
            }
        }
    }
}

extension InspectReport.Operator {
    init(_ op: OperatorState, in savepoint: Savepoint, deep: Bool) throws {
        uid = op.uid.flatMap { $0.isEmpty ? nil : $0 }
        uidSource = uid == nil ? nil : (savepoint.uidsFromUser.contains(op.operatorID) ? "--uids" : "metadata")
        name = op.name
        operatorId = op.operatorID.hex
        parallelism = op.parallelism
        maxParallelism = op.maxParallelism
        subtasks = op.subtaskStates.map(InspectReport.Subtask.init)
        stateSize = subtasks.reduce(0) { $0 + $1.keyedStateSize + $1.operatorStateSize }
        states = []
        problems = []
        let present = op.subtaskStates.compactMap(\.state)
        let keyedHandles = present.compactMap(\.managedKeyedState)
        // The header of the first subtask whose stream reads: a missing file of one subtask must not
        // hide what the others tell.
        var header: KeyedStateHeader?
        for keyed in keyedHandles where header == nil {
            do {
                header = try KeyedStateHeader.read(keyed, of: op, in: savepoint)
            } catch let error as SavepointError where error.isAboutAFile {
                problems.append(error.description)
            }
        }
        if let header {
            keyType = header.proxy.keySerializer.typeDescription
            keyGroupCompression = header.proxy.usingKeyGroupCompression
            keyedLayout = header.layout
            states += header.proxy.states.map(InspectReport.State.init(keyed:))
        } else if let first = keyedHandles.first {
            keyedLayout = KeyedStateHeader.layoutOfUnreadable(first)
        }
        if header != nil, keyedHandles.contains(where: \.isIncremental) {
            var instances: [FlinkRocksDBState] = []
            for case let .incrementalRemote(h) in keyedHandles {
                do {
                    instances.append(try LSMKeyedState.open(h, of: op, in: savepoint))
                } catch let error as SavepointError where error.isAboutAFile {
                    problems.append(error.description)
                }
            }
            columnFamilies = InspectReport.ColumnFamily.summarize(instances)
        }
        do {
            states += try OperatorStateHeaders.states(of: present, in: savepoint)
        } catch let error as SavepointError where error.isAboutAFile {
            problems.append(error.description)
        }
        if deep, header != nil { try countEntries(op, in: savepoint) }
    }

    /// Whether a timer state comes before the first user state in the keyed header: Flink's
    /// RocksDB backend registers its timer column families (RocksDB timers) when the operator
    /// starts, before user state; the heap backend writes user state first.
    var timersPrecedeUserState: Bool {
        guard let firstUser = states.firstIndex(where: { $0.kind != "timer" && !$0.kind.hasPrefix("operator") && $0.kind != "broadcast" })
        else { return false }
        return states[..<firstUser].contains { $0.kind == "timer" }
    }
}

extension InspectReport.State {
    init(keyed meta: StateMetaInfoSnapshot) {
        name = meta.name
        kind = KeyedStateKind(metaInfo: meta).rawValue
        keyType = nil
        namespaceType = meta.namespaceSerializer?.typeDescription
        valueType = meta.valueSerializer?.typeDescription
        ttl = valueType?.contains("TTL") ?? false
        size = nil
        entries = nil
    }
}

extension InspectReport.Subtask {
    init(_ entry: OperatorState.SubtaskEntry) {
        index = entry.subtaskIndex
        finished = entry.isFinished
        let keyed = entry.state?.managedKeyedState
        keyGroups = keyed.map { InspectReport.KeyGroups(start: $0.keyGroupRange.startKeyGroup, end: $0.keyGroupRange.endKeyGroup) }
        keyedStateSize = (keyed?.stateSize ?? 0) + (entry.state?.rawKeyedState?.stateSize ?? 0)
        operatorStateSize = (entry.state?.managedOperatorState?.stateSize ?? 0)
            + (entry.state?.rawOperatorState?.stateSize ?? 0)
        keyedHandle = keyed.map(KeyedStateHeader.handleKind)
    }
}

extension SavepointError {
    /// A file that is missing or cannot be read: a report can go on without it.
    var isAboutAFile: Bool {
        switch self {
        case .missingFile, .unreadable: return true
        default: return false
        }
    }
}

extension KeyedStateHandle {
    var isIncremental: Bool { if case .incrementalRemote = self { return true } else { return false } }
}
