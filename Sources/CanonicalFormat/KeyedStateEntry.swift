import FlinkSerialization

/// One decoded keyed state entry, in the shape of the dump: a value-state value, a whole list,
/// one map entry, or one timer.
public struct KeyedStateEntry: Sendable, Equatable {
    /// Index of the state in the serialization proxy (`kvStateId`).
    public var stateIndex: Int
    public var keyGroup: Int
    public var key: Value
    /// The namespace (`VoidNamespace`, a window, …); for a timer, the timer's namespace.
    public var namespace: Value
    /// The user key of a map-state entry.
    public var userKey: Value?
    /// The value; a list for list state; the timestamp for a timer; `.ttl` when TTL is enabled.
    public var value: Value

    public init(stateIndex: Int, keyGroup: Int, key: Value, namespace: Value, userKey: Value? = nil, value: Value) {
        self.stateIndex = stateIndex
        self.keyGroup = keyGroup
        self.key = key
        self.namespace = namespace
        self.userKey = userKey
        self.value = value
    }
}
