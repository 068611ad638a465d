import Bytes
import CanonicalFormat
import SavepointMetadata

/// The serialization proxy of a keyed state handle, read without touching state data.
struct KeyedStateHeader {
    var proxy: KeyedBackendSerializationProxy
    var layout: String

    static func read(_ handle: KeyedStateHandle, of op: OperatorState, in savepoint: Savepoint) throws -> KeyedStateHeader {
        switch handle {
        case let .incrementalRemote(h):
            // Native (LSM) handles keep the proxy in their own meta-data stream.
            let proxy = try LSMKeyedState.readProxy(h, of: op, in: savepoint)
            return KeyedStateHeader(proxy: proxy, layout: "LSM")
        default:
            let stream = try KeyedStreams.open(handle, of: op, in: savepoint)
            return KeyedStateHeader(proxy: stream.proxy, layout: stream.layout.rawValue)
        }
    }

    /// The layout a handle's kind tells when its stream cannot be read.
    static func layoutOfUnreadable(_ handle: KeyedStateHandle) -> String? {
        switch handle {
        case .incrementalRemote: return "LSM"
        case let .keyGroups(h) where h.kind == .savepoint: return KeyedStateStream.Layout.canonical.rawValue
        default: return nil
        }
    }

    static func handleKind(_ handle: KeyedStateHandle) -> String {
        switch handle {
        case let .keyGroups(h):
            switch h.kind {
            case .savepoint: return "savepoint-key-groups"
            case .checkpoint, .legacy: return "key-groups"
            }
        case .incrementalRemote: return "incremental"
        case .changelogBackend, .changelogInMemory, .changelogStream: return "changelog"
        }
    }
}

/// Operator (non-keyed) states of an operator, from the first subtask that declares each.
enum OperatorStateHeaders {
    static func states(of subtasks: [OperatorSubtaskState], in savepoint: Savepoint) throws -> [InspectReport.State] {
        var seen = Set<String>()
        var out: [InspectReport.State] = []
        var sizes: [String: Int64] = [:]
        for subtask in subtasks {
            guard let handle = subtask.managedOperatorState else { continue }
            for (name, size) in partitionSizes(handle) { sizes[name, default: 0] += size }
            guard handle.stateNameToPartitionOffsets.contains(where: { !seen.contains($0.name) }) else { continue }
            let source = try savepoint.openStream(handle.delegate)
            let stream = try attributing(to: source.name) { try OperatorStateStream(source: source, partitions: []) }
            for meta in stream.proxy.listStates + stream.proxy.broadcastStates where seen.insert(meta.name).inserted {
                out.append(InspectReport.State(operator: meta, mode: handle.mode(of: meta.name)))
            }
        }
        return out.map { var s = $0; s.size = sizes[s.name]; return s }
    }

    /// Bytes of each state in one stream: from each state's first offset to the next state's.
    static func partitionSizes(_ handle: OperatorStateHandle) -> [String: Int64] {
        let starts = handle.stateNameToPartitionOffsets.compactMap { p in p.offsets.min().map { (p.name, $0) } }
            .sorted { $0.1 < $1.1 }
        let end = handle.delegate.stateSize
        var sizes: [String: Int64] = [:]
        for (i, (name, start)) in starts.enumerated() {
            sizes[name] = (i + 1 < starts.count ? starts[i + 1].1 : end) - start
        }
        return sizes
    }
}

extension OperatorStateHandle {
    func mode(of name: String) -> Mode? { stateNameToPartitionOffsets.first { $0.name == name }?.mode }
}

extension InspectReport.State {
    init(operator meta: StateMetaInfoSnapshot, mode: OperatorStateHandle.Mode?) {
        name = meta.name
        switch meta.option("OPERATOR_STATE_DISTRIBUTION_MODE") ?? "" {
        case "UNION": kind = "operator-union"
        case "BROADCAST": kind = "broadcast"
        default: kind = meta.backendStateType == .broadcast ? "broadcast" : "operator-list"
        }
        keyType = meta.keySerializer?.typeDescription
        namespaceType = nil
        valueType = meta.valueSerializer?.typeDescription
        // Broadcast state is a map (`MapStateDescriptor`): its type names both serializers.
        if kind == "broadcast", let key = keyType, let value = valueType { valueType = "Map<\(key), \(value)>" }
        ttl = false
        size = nil
        entries = nil
    }
}
