import Bytes
import FlinkSerialization

/// One key group in the heap backend's own snapshot layout (hashmap checkpoints and hashmap
/// native savepoints, `HeapSnapshotStrategy`):
///
///     i32 keyGroupId
///     per registered state: i16 stateId, i32 count,
///         key/value state: count × { namespace, key, whole state value }
///         priority queue:  count × element
///
/// With compression every state's part is its own Snappy-framed stream; the caller passes the
/// decompressed bytes after the key-group id.
public enum HeapKeyGroupBlock {
    public static func readKeyGroupID(_ r: inout ByteReader, expected: Int) throws {
        let at = r.fileOffset
        let id = try r.readI32("a key-group id")
        guard id == expected else { throw FormatError(offset: at, "expected key group \(expected), found \(id)") }
    }

    /// Decodes every state part in `r` until it is exhausted.
    public static func forEachEntry(
        in r: inout ByteReader, keyGroup: Int, schemas: [KeyedStateSchema],
        _ body: (KeyedStateEntry) throws -> Void
    ) throws {
        while !r.isAtEnd {
            let stateIndex = try CanonicalKeyGroupBlock.readStateIndex(&r, stateCount: schemas.count)
            let schema = schemas[stateIndex]
            let count = try r.readCount("an entry count")
            try r.require(count, for: "\(count) entries")
            for _ in 0..<count {
                try schema.decodeHeapEntry(&r, stateIndex: stateIndex, keyGroup: keyGroup, body)
            }
        }
    }
}

extension KeyedStateSchema {
    func decodeHeapEntry(
        _ r: inout ByteReader, stateIndex: Int, keyGroup: Int, _ body: (KeyedStateEntry) throws -> Void
    ) throws {
        guard let stateSerializer else { throw r.error("state '\(metaInfo.name)' has no value serializer") }
        if kind == .timer {
            try body(try decodeTimer(from: &r, stateIndex: stateIndex, keyGroup: keyGroup))
            return
        }
        let namespace = try namespaceSerializer?.read(from: &r) ?? .voidNamespace
        let key = try keySerializer.read(from: &r)
        let value = try stateSerializer.read(from: &r)
        guard kind == .map, case let .map(entries) = value else {
            try body(KeyedStateEntry(stateIndex: stateIndex, keyGroup: keyGroup, key: key, namespace: namespace, value: value))
            return
        }
        for e in entries {
            try body(KeyedStateEntry(stateIndex: stateIndex, keyGroup: keyGroup, key: key, namespace: namespace,
                                     userKey: e.key, value: e.value))
        }
    }
}
