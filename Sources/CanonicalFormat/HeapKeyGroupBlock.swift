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
        in r: inout ByteReader, keyGroup: Int, maxParallelism: Int, schemas: [KeyedStateSchema],
        _ body: (KeyedStateEntry) throws -> Void
    ) throws {
        let context = Context(keyGroup: keyGroup, maxParallelism: maxParallelism, schemas: schemas)
        while !r.isAtEnd {
            let stateIndex = try CanonicalKeyGroupBlock.readStateIndex(&r, stateCount: schemas.count)
            let schema = schemas[stateIndex]
            let count = try r.readCount("an entry count")
            try r.require(count, for: "\(count) entries")
            for i in 0..<count {
                try schema.decodeHeapEntry(&r, stateIndex: stateIndex, context: context,
                                           entriesAfter: count - 1 - i, body)
            }
        }
    }

    struct Context {
        let keyGroup: Int
        let maxParallelism: Int
        let schemas: [KeyedStateSchema]
    }
}

extension KeyedStateSchema {
    func decodeHeapEntry(
        _ r: inout ByteReader, stateIndex: Int, context: HeapKeyGroupBlock.Context, entriesAfter: Int,
        _ body: (KeyedStateEntry) throws -> Void
    ) throws {
        let keyGroup = context.keyGroup
        guard let stateSerializer else { throw r.error("state '\(metaInfo.name)' has no value serializer") }
        if kind == .timer {
            try body(try decodeTimer(from: &r, stateIndex: stateIndex, keyGroup: keyGroup))
            return
        }
        let namespace = try namespaceSerializer?.read(from: &r) ?? .voidNamespace
        let key = try keySerializer.read(from: &r)
        let value: Value
        if stateSerializer.readsToEnd {
            value = try readUnframedValue(&r, context: context, entriesAfter: entriesAfter)
        } else {
            value = try stateSerializer.read(from: &r)
        }
        guard kind == .map, case let .map(entries) = value else {
            try body(KeyedStateEntry(stateIndex: stateIndex, keyGroup: keyGroup, key: key, namespace: namespace, value: value))
            return
        }
        for e in entries {
            try body(KeyedStateEntry(stateIndex: stateIndex, keyGroup: keyGroup, key: key, namespace: namespace,
                                     userKey: e.key, value: e.value))
        }
    }

    /// A value whose serializer may read to the end (Kryo, opaque, a composite holding one): its
    /// decoded extent (for Kryo of unknown encoding, each encoding's) when nothing in it took the rest
    /// of the input and what follows is plausible; else the probed one.
    func readUnframedValue(_ r: inout ByteReader, context: HeapKeyGroupBlock.Context, entriesAfter: Int) throws -> Value {
        guard let stateSerializer else { throw r.error("state '\(metaInfo.name)' has no value serializer") }
        var tries: [any TypeSerializer] = [stateSerializer]
        if let kryo = stateSerializer as? KryoSerializer, kryo.encoding == nil {
            tries = kryo.candidates.map {
                KryoSerializer(typeClassName: kryo.typeClassName, registrations: kryo.registrations, encoding: $0)
            }
        }
        for serializer in tries {
            var exact = r
            guard let v = try? serializer.read(from: &exact), !v.tookRestOfInput else { continue }
            var next = exact
            let plausible = entriesAfter > 0
                ? (try? nextEntryIsPlausible(&next, context: context)) == true
                : (try? HeapKeyGroupBlock.nextPartIsPlausible(exact, context: context)) == true
            if plausible {
                r = exact
                return v
            }
        }
        var slice = try r.readSlice(try opaqueValueLength(r, context: context, entriesAfter: entriesAfter))
        return try stateSerializer.read(from: &slice)
    }

    /// The heap layout stores values without a length, and Kryo bytes cannot be parsed without the
    /// job's classes. The value ends at the first position where what follows reads as what must
    /// follow: the next entry (whose key hashes into this key group), the next state's part, or the
    /// end of the block.
    func opaqueValueLength(_ r: ByteReader, context: HeapKeyGroupBlock.Context, entriesAfter: Int) throws -> Int {
        for length in 1...max(1, r.remaining) where length <= r.remaining {
            var probe = try r.slice(from: r.position + length)
            let plausible = entriesAfter > 0
                ? (try? nextEntryIsPlausible(&probe, context: context)) == true
                : (try? HeapKeyGroupBlock.nextPartIsPlausible(probe, context: context)) == true
            if plausible { return length }
        }
        throw r.error("cannot find the end of an opaque (Kryo) value of state '\(metaInfo.name)' in the heap layout")
    }

    /// Whether `r` starts with an entry of this state whose key belongs to the key group.
    func nextEntryIsPlausible(_ r: inout ByteReader, context: HeapKeyGroupBlock.Context) throws -> Bool {
        let key: Value
        if kind == .timer {
            guard case let .timer(_, k, _)? = try stateSerializer?.read(from: &r) else { return false }
            key = k
        } else {
            _ = try namespaceSerializer?.read(from: &r)
            key = try keySerializer.read(from: &r)
        }
        guard let hash = keySerializer.javaHashCode(of: key) else { return true }
        return FlinkHashing.keyGroup(forHashCode: hash, maxParallelism: context.maxParallelism) == context.keyGroup
    }
}

extension HeapKeyGroupBlock {
    /// Whether `r` is empty or starts with a state part whose first entry is plausible.
    static func nextPartIsPlausible(_ r: ByteReader, context: Context) throws -> Bool {
        var r = r
        if r.isAtEnd { return true }
        let id = Int(try r.readU16())
        guard id < context.schemas.count else { return false }
        let count = try r.readCount("an entry count")
        guard count <= r.remaining else { return false }
        if count == 0 { return try nextPartIsPlausible(r, context: context) }
        return try context.schemas[id].nextEntryIsPlausible(&r, context: context)
    }
}
