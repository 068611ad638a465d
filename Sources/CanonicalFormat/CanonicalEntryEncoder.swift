import Bytes
import FlinkSerialization

/// Encodes `KeyedStateEntry` values into the canonical key and value bytes: the mirror of
/// `decodeCanonical`, so decode → encode gives back Flink's bytes.
extension KeyedStateSchema {
    public func encodeCanonical(_ e: KeyedStateEntry, keyGroupPrefixBytes: Int) throws -> (key: [UInt8], value: [UInt8]) {
        var key = ByteWriter()
        if keyGroupPrefixBytes == 2 { key.writeU8(UInt8(e.keyGroup >> 8)) }
        key.writeU8(UInt8(e.keyGroup & 0xFF))
        var value = ByteWriter()
        if kind == .timer {
            guard let stateSerializer, case let .int(timestamp) = e.value else {
                throw FormatError(offset: 0, "timer state '\(metaInfo.name)' needs a timestamp and a timer serializer")
            }
            try stateSerializer.write(.timer(timestamp: timestamp, key: e.key, namespace: e.namespace), to: &key)
            return (key.bytes, value.bytes)
        }
        try writeCompositeKey(key: e.key, namespace: e.namespace, to: &key)
        switch kind {
        case .list:
            guard case let .list(elements) = e.value else { throw FormatError(offset: 0, "list state '\(metaInfo.name)' needs a list") }
            try writeDelimitedList(elements, to: &value)
        case .map:
            guard let userKeySerializer, let userKey = e.userKey else {
                throw FormatError(offset: 0, "map state '\(metaInfo.name)' needs a user key and its serializer")
            }
            try userKeySerializer.write(userKey, to: &key)
            try writeNullableMapValue(e.value, to: &value)
        default:
            try write(e.value, with: stateSerializer, to: &value)
        }
        return (key.bytes, value.bytes)
    }

    func writeCompositeKey(key: Value, namespace: Value, to w: inout ByteWriter) throws {
        let keyStart = w.count
        try keySerializer.write(key, to: &w)
        if ambiguousKey { Self.writeVariableIntBytes(w.count - keyStart, to: &w) }
        guard let namespaceSerializer else { return }
        let namespaceStart = w.count
        try namespaceSerializer.write(namespace, to: &w)
        if ambiguousKey { Self.writeVariableIntBytes(w.count - namespaceStart, to: &w) }
    }

    static func writeVariableIntBytes(_ value: Int, to w: inout ByteWriter) {
        var v = value
        repeat {
            w.writeU8(UInt8(truncatingIfNeeded: v))
            v >>= 8
        } while v != 0
    }

    func writeDelimitedList(_ elements: [Value], to w: inout ByteWriter) throws {
        for (i, element) in elements.enumerated() {
            if i > 0 { w.writeU8(Self.listDelimiter) }
            try write(element, with: elementSerializer, to: &w)
        }
    }

    /// RocksDB writes just the flag for a null map value; so do we.
    func writeNullableMapValue(_ v: Value, to w: inout ByteWriter) throws {
        if case .null = v { w.writeBool(true); return }
        w.writeBool(false)
        try write(v, with: elementSerializer, to: &w)
    }

    func write(_ v: Value, with serializer: (any TypeSerializer)?, to w: inout ByteWriter) throws {
        if let serializer { try serializer.write(v, to: &w); return }
        guard case let .raw(bytes) = v else {
            throw FormatError(offset: w.count, "state '\(metaInfo.name)' has no serializer for a decoded value")
        }
        w.writeBytes(bytes)
    }
}
