import Bytes
import FlinkSerialization

/// Decodes canonical raw entries into `KeyedStateEntry` values: splits the composite key
/// (key, namespace, map user key) and undoes the per-kind value layouts.
extension KeyedStateSchema {
    /// List state elements are joined by this byte (`ListDelimitedSerializer`).
    public static let listDelimiter: UInt8 = 0x2C

    public func decodeCanonical(_ raw: CanonicalKeyGroupBlock.RawEntry) throws -> KeyedStateEntry {
        var key = raw.keyAfterPrefix
        var value = raw.value
        if kind == .timer {
            return try decodeTimer(from: &key, stateIndex: raw.stateIndex, keyGroup: raw.keyGroup)
        }
        let userKey = try readCompositeKey(&key)
        let decoded: Value
        var mapKey: Value? = nil
        switch kind {
        case .list:
            decoded = .list(try readDelimitedList(&value))
        case .map:
            guard let userKeySerializer else { throw key.error("map state '\(metaInfo.name)' has no user-key serializer") }
            mapKey = try userKeySerializer.read(from: &key)
            decoded = try readNullableMapValue(&value)
        default:
            decoded = try readWhole(&value, with: stateSerializer)
        }
        guard key.isAtEnd else {
            throw key.error("expected the end of the key of state '\(metaInfo.name)', \(key.remaining) bytes remain")
        }
        return KeyedStateEntry(stateIndex: raw.stateIndex, keyGroup: raw.keyGroup,
                               key: userKey.key, namespace: userKey.namespace, userKey: mapKey, value: decoded)
    }

    /// Reads key and namespace, skipping the length bytes Flink adds when both are variable-length.
    func readCompositeKey(_ r: inout ByteReader) throws -> (key: Value, namespace: Value) {
        let keyStart = r.position
        let key = try keySerializer.read(from: &r)
        if ambiguousKey { try Self.skipVariableIntBytes(r.position - keyStart, &r) }
        guard let namespaceSerializer else { return (key, .voidNamespace) }
        let namespaceStart = r.position
        let namespace = try namespaceSerializer.read(from: &r)
        if ambiguousKey { try Self.skipVariableIntBytes(r.position - namespaceStart, &r) }
        return (key, namespace)
    }

    /// `CompositeKeySerializationUtils.writeVariableIntBytes`: low byte first until the rest is 0.
    static func skipVariableIntBytes(_ value: Int, _ r: inout ByteReader) throws {
        var v = value
        repeat {
            _ = try r.readU8("a composite-key length byte")
            v >>= 8
        } while v != 0
    }

    func decodeTimer(from r: inout ByteReader, stateIndex: Int, keyGroup: Int) throws -> KeyedStateEntry {
        guard let stateSerializer else { throw r.error("timer state '\(metaInfo.name)' has no element serializer") }
        let timer = try stateSerializer.read(from: &r)
        guard case let .timer(timestamp, key, namespace) = timer else {
            throw r.error("expected a timer in state '\(metaInfo.name)'")
        }
        return KeyedStateEntry(stateIndex: stateIndex, keyGroup: keyGroup, key: key, namespace: namespace,
                               value: .int(timestamp))
    }

    func readDelimitedList(_ r: inout ByteReader) throws -> [Value] {
        guard let elementSerializer else { return [.raw(r.remainingBytes)] }
        var elements: [Value] = []
        while !r.isAtEnd {
            if !elements.isEmpty {
                let at = r.fileOffset
                let d = try r.readU8("a list delimiter")
                guard d == Self.listDelimiter else {
                    throw FormatError(offset: at, "expected the list delimiter 0x2C, found 0x\(String(d, radix: 16))")
                }
            }
            elements.append(try elementSerializer.read(from: &r))
        }
        return elements
    }

    /// A map value: a null flag, then the value unless null. The heap backend may write bytes for
    /// null after the flag; Flink ignores them and so do we.
    func readNullableMapValue(_ r: inout ByteReader) throws -> Value {
        if try r.readBool("a map value null flag") { return .null }
        return try readWhole(&r, with: elementSerializer)
    }

    /// Reads one value that must fill the reader exactly.
    func readWhole(_ r: inout ByteReader, with serializer: (any TypeSerializer)?) throws -> Value {
        guard let serializer else { return .raw(r.remainingBytes) }
        let v = try serializer.read(from: &r)
        guard r.isAtEnd else {
            throw r.error("expected the end of a value of state '\(metaInfo.name)', \(r.remaining) bytes remain")
        }
        return v
    }
}
