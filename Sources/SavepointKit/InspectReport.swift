import Bytes
import CanonicalFormat
import FlinkSerialization
import Foundation
import SavepointMetadata

/// What `inspect` reports: everything `_metadata`, the stream headers and the file sizes tell,
/// without reading any state data. Its JSON form (`--json`) is part of the toolkit's interface.
public struct InspectReport: Codable, Sendable {
    public var path: String
    public var metadataPath: String
    public var metadataSize: Int
    public var checkpointId: Int64
    public var metadataVersion: Int
    /// `memory-snapshot`, `filesystem`, `LSM`, `mixed`, or `empty`.
    public var form: String
    public var stateSize: Int64
    public var operators: [Operator]
    public var files: [File]

    public struct Operator: Codable, Sendable {
        public var uid: String?
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
        public var columnFamilies: [ColumnFamily]? = nil
    }

    /// One RocksDB column family of an LSM operator, from the MANIFEST and the tables' properties.
    public struct ColumnFamily: Codable, Sendable {
        public var name: String
        /// The state stored in it (nil for `default`).
        public var state: String?
        public var sstCount: Int
        /// Bytes of its live tables, as the MANIFEST records them.
        public var totalSize: Int64
        /// Entries in its tables (puts, merge operands, deletes), before merging.
        public var entryCount: Int64
        /// Compression names from the tables' properties (e.g. `Snappy`, `NoCompression`).
        public var compression: [String]
        /// Levels holding its live tables.
        public var levels: [Int]
    }

    public struct State: Codable, Sendable {
        public var name: String
        /// value, list, map, reducing, aggregating, timer, operator-list, operator-union, broadcast.
        public var kind: String
        public var keyType: String?
        public var namespaceType: String?
        /// The state's serializer: the whole `List<T>` or `Map<K, V>` for list and map state.
        public var valueType: String?
        public var ttl: Bool
        /// Bytes of this state, where the format records them (operator state offsets).
        public var size: Int64?
    }

    public struct Subtask: Codable, Sendable {
        public var index: Int
        public var finished: Bool
        public var keyGroups: String?
        public var keyedStateSize: Int64
        public var operatorStateSize: Int64
        public var keyedHandle: String?
    }

    public struct File: Codable, Sendable {
        public var path: String
        /// Size as recorded in `_metadata`.
        public var size: Int64
        public var sizeOnDisk: Int64?
        public var present: Bool
    }
}

extension InspectReport {
    public init(_ savepoint: Savepoint) throws {
        let m = savepoint.metadata
        path = savepoint.path
        metadataPath = savepoint.metadataPath
        metadataSize = savepoint.metadataSize
        checkpointId = m.checkpointId
        metadataVersion = Int(m.version)
        form = SavepointForm(m).rawValue
        operators = try m.operatorStates.map { try Operator($0, in: savepoint) }
        stateSize = operators.reduce(0) { $0 + $1.stateSize }
        files = Self.files(of: savepoint)
    }

    static func files(of savepoint: Savepoint) -> [File] {
        savepoint.location.referencedStreams(of: savepoint.metadata).compactMap { ref in
            guard case let .success(.file(range)) = ref.resolved else {
                if case .failure = ref.resolved { return File(path: "\(ref.handle)", size: ref.handle.stateSize, present: false) }
                return nil
            }
            let onDisk = (try? FileManager.default.attributesOfItem(atPath: range.path)[.size] as? NSNumber)?.int64Value
            return File(path: range.path, size: ref.handle.stateSize, sizeOnDisk: onDisk, present: ref.isPresent)
        }
    }
}

extension InspectReport.Operator {
    init(_ op: OperatorState, in savepoint: Savepoint) throws {
        uid = op.uid
        name = op.name
        operatorId = op.operatorID.hex
        parallelism = op.parallelism
        maxParallelism = op.maxParallelism
        subtasks = op.subtaskStates.map(InspectReport.Subtask.init)
        stateSize = subtasks.reduce(0) { $0 + $1.keyedStateSize + $1.operatorStateSize }
        states = []
        let present = op.subtaskStates.compactMap(\.state)
        if let keyed = present.lazy.compactMap(\.managedKeyedState).first {
            let header = try KeyedStateHeader.read(keyed, of: op, in: savepoint)
            keyType = header.proxy.keySerializer.typeDescription
            keyGroupCompression = header.proxy.usingKeyGroupCompression
            keyedLayout = header.layout
            states += header.proxy.states.map(InspectReport.State.init(keyed:))
            if case .incrementalRemote = keyed {
                let instances = try op.subtaskStates.compactMap(\.state?.managedKeyedState).compactMap { handle in
                    if case let .incrementalRemote(h) = handle { return try LSMKeyedState.open(h, of: op, in: savepoint) }
                    return nil
                }
                columnFamilies = InspectReport.ColumnFamily.summarize(instances)
            }
        }
        states += try OperatorStateHeaders.states(of: present, in: savepoint)
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
    }
}

extension InspectReport.Subtask {
    init(_ entry: OperatorState.SubtaskEntry) {
        index = entry.subtaskIndex
        finished = entry.isFinished
        let keyed = entry.state?.managedKeyedState
        keyGroups = keyed.map { "\($0.keyGroupRange.startKeyGroup)-\($0.keyGroupRange.endKeyGroup)" }
        keyedStateSize = (keyed?.stateSize ?? 0) + (entry.state?.rawKeyedState?.stateSize ?? 0)
        operatorStateSize = (entry.state?.managedOperatorState?.stateSize ?? 0)
            + (entry.state?.rawOperatorState?.stateSize ?? 0)
        keyedHandle = keyed.map(KeyedStateHeader.handleKind)
    }
}
