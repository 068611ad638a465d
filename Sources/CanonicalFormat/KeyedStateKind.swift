import FlinkSerialization

/// What a keyed state is, as Flink's `StateDescriptor.Type` (from the `KEYED_STATE_TYPE` option) or
/// a priority queue (timers).
public enum KeyedStateKind: String, Sendable, Codable {
    case value, list, map, reducing, aggregating, timer
    /// A state type the toolkit does not recognise; its entries are reported raw.
    case unknown

    public init(metaInfo: StateMetaInfoSnapshot) {
        if metaInfo.backendStateType == .priorityQueue {
            self = .timer
            return
        }
        switch metaInfo.option("KEYED_STATE_TYPE") {
        case "VALUE": self = .value
        case "LIST": self = .list
        case "MAP": self = .map
        case "REDUCING": self = .reducing
        case "AGGREGATING": self = .aggregating
        default: self = .unknown
        }
    }
}

/// Everything needed to decode one keyed state's entries: its kind and the serializers of its
/// key, namespace, (map) user key and value or list element. A class: it is shared by every entry
/// of its state, so passing it around must not copy (and retain) its serializers.
public final class KeyedStateSchema: Sendable {
    public let metaInfo: StateMetaInfoSnapshot
    public let kind: KeyedStateKind
    public let keySerializer: any TypeSerializer
    public let namespaceSerializer: (any TypeSerializer)?
    /// The whole state's serializer (`List<T>`, `Map<K,V>`, `TTL<T>`, or the timer serializer).
    public let stateSerializer: (any TypeSerializer)?
    /// For list state: the element serializer; for map state: the user-value serializer.
    public let elementSerializer: (any TypeSerializer)?
    /// For map state: the user-key serializer.
    public let userKeySerializer: (any TypeSerializer)?
    /// Flink adds key and namespace lengths to a composite key when both are variable-length.
    public let ambiguousKey: Bool

    public init(metaInfo: StateMetaInfoSnapshot, keySerializer: SerializerSnapshot) {
        self.metaInfo = metaInfo
        kind = KeyedStateKind(metaInfo: metaInfo)
        let key = keySerializer.restoreSerializer()
        self.keySerializer = key
        let namespace = metaInfo.namespaceSerializer?.restoreSerializer()
        namespaceSerializer = namespace
        let valueSnapshot = metaInfo.valueSerializer
        stateSerializer = valueSnapshot?.restoreSerializer()
        let nested = valueSnapshot?.nestedSnapshots ?? []
        switch kind {
        case .list:
            elementSerializer = nested.first?.restoreSerializer()
            userKeySerializer = nil
        case .map:
            userKeySerializer = nested.count == 2 ? nested[0].restoreSerializer() : nil
            elementSerializer = nested.count == 2 ? nested[1].restoreSerializer() : nil
        default:
            elementSerializer = nil
            userKeySerializer = nil
        }
        ambiguousKey = key.flinkLength < 0 && (namespace?.flinkLength ?? 0) < 0
    }
}
