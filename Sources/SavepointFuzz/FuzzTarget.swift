import Bytes
import CanonicalFormat
import Compression
import FlinkSerialization
import LSMFormat
import SavepointMetadata

/// The readers exposed to fuzzing. Each takes arbitrary bytes and must either decode them or throw
/// a `FormatError`: a crash, a hang or a huge allocation is a bug.
enum FuzzTarget: String, CaseIterable {
    case metadata, keyedStream = "keyed-stream", operatorStream = "operator-stream"
    case serializerSnapshot = "serializer-snapshot", sstTable = "sst-table", manifest, kryo, snappy

    func run(_ bytes: [UInt8]) {
        do {
            switch self {
            case .metadata: try Self.metadata(bytes)
            case .keyedStream: try Self.keyedStream(bytes)
            case .operatorStream: try Self.operatorStream(bytes)
            case .serializerSnapshot: try Self.serializerSnapshot(bytes)
            case .sstTable: try Self.sstTable(bytes)
            case .manifest: _ = try Manifest.read(bytes)
            case .kryo: try Self.kryo(bytes)
            case .snappy: Self.snappy(bytes)
            }
        } catch is FormatError {
        } catch {
            // Readers promise FormatError for bad input; anything else is a finding.
            fatalError("\(rawValue): unexpected error type \(type(of: error)): \(error)")
        }
    }

    /// `SnappyDecoder` against libsnappy: the input as a raw block (first byte odd), or as data that
    /// libsnappy compresses first (even): the same verdict, the same bytes.
    static func snappy(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let block = first & 1 == 1 ? Array(bytes.dropFirst()) : Snappy.compress(Array(bytes.dropFirst()))
        let ours = try? Snappy.decompress(block, limit: 1 << 20)
        precondition(ours == Snappy.libsnappyDecompress(block, limit: 1 << 20), "SnappyDecoder and libsnappy disagree")
        if first & 1 == 0 { precondition(ours == Array(bytes.dropFirst()), "Snappy round trip changed the bytes") }
    }

    /// Whatever reads must also write back to the same bytes.
    static func metadata(_ bytes: [UInt8]) throws {
        let m = try CheckpointMetadata.read(from: bytes)
        let again = try m.serialized()
        precondition(again == bytes, "metadata read → write changed the bytes")
    }

    /// A keyed stream: the proxy header, then one key-group block in each layout.
    static func keyedStream(_ bytes: [UInt8]) throws {
        var r = ByteReader(bytes)
        let proxy = try KeyedBackendSerializationProxy.read(from: &r)
        let schemas = proxy.states.map { KeyedStateSchema(metaInfo: $0, keySerializer: proxy.keySerializer) }
        var canonical = try r.slice(from: r.position)
        try? CanonicalKeyGroupBlock.forEachEntry(in: &canonical, keyGroupPrefixBytes: 1, stateCount: schemas.count) {
            _ = try schemas[$0.stateIndex].decodeCanonical($0)
        }
        var heap = try r.slice(from: r.position)
        try HeapKeyGroupBlock.forEachEntry(in: &heap, keyGroup: 0, maxParallelism: 128, schemas: schemas) { _ in }
    }

    static func operatorStream(_ bytes: [UInt8]) throws {
        var r = ByteReader(bytes)
        let proxy = try OperatorBackendSerializationProxy.read(from: &r)
        for meta in proxy.listStates + proxy.broadcastStates {
            var rest = try r.slice(from: r.position)
            if let s = meta.valueSerializer?.restoreSerializer() { _ = try? s.read(from: &rest) }
        }
    }

    /// A top-level snapshot, then a value of its type from the remaining bytes; both must round-trip.
    static func serializerSnapshot(_ bytes: [UInt8]) throws {
        var r = ByteReader(bytes)
        let snapshot = try SerializerSnapshot.readTopLevel(from: &r)
        var w = ByteWriter()
        try snapshot.writeTopLevel(to: &w)
        precondition(w.bytes == Array(bytes[0..<r.position]), "snapshot read → write changed the bytes")
        _ = snapshot.typeDescription
        _ = try snapshot.restoreSerializer().read(from: &r)
    }

    /// The registrations of a `Types.GENERIC(ArrayList)` state, and a second class registered with a
    /// serializer of its own.
    static let kryoRegistrations = KryoRegistrations(
        classNames: ["java.util.ArrayList", "java.util.HashMap"], customSerializers: ["java.util.HashMap"])

    /// One Kryo value: the first byte picks the encoding (even: Kryo 2.24, odd: Kryo 5). It is decoded,
    /// then read by the restored serializer (encoding inferred), which must write back the bytes it
    /// read, and rendered.
    static func kryo(_ bytes: [UInt8]) throws {
        guard let first = bytes.first else { return }
        let value = Array(bytes.dropFirst())
        var r = ByteReader(value)
        _ = try KryoDecoding.decode(&r, encoding: first & 1 == 0 ? .kryo2 : .kryo5, registrations: kryoRegistrations)
        let serializer = KryoSerializer(typeClassName: "java.util.ArrayList", registrations: kryoRegistrations)
        var s = ByteReader(value)
        let read = try serializer.read(from: &s)
        var w = ByteWriter()
        try serializer.write(read, to: &w)
        precondition(w.bytes == Array(value[..<s.position]), "Kryo read → write changed the bytes")
        _ = ValueJSON.text(read)
        try kryo5Rewrite(value, encoding: first & 1 == 0 ? .kryo2 : .kryo5)
    }

    /// `upgrade`'s re-encoding: what decodes and `KryoWriter` writes as Kryo 5 must decode as Kryo 5
    /// and write back to the same bytes.
    static func kryo5Rewrite(_ value: [UInt8], encoding: KryoEncoding) throws {
        var r = ByteReader(value)
        guard let object = try? KryoDecoding.decodeObject(&r, encoding: encoding, registrations: kryoRegistrations),
              let kryo5 = try? KryoWriter.kryo5(object, registrations: kryoRegistrations) else { return }
        var again = ByteReader(kryo5)
        let decoded = try KryoDecoding.decodeObject(&again, encoding: .kryo5, registrations: kryoRegistrations)
        precondition(again.isAtEnd, "Kryo 5 written → read left bytes")
        let rewritten = try KryoWriter.kryo5(decoded, registrations: kryoRegistrations)
        precondition(rewritten == kryo5, "Kryo 5 written → read → written changed the bytes")
    }

    /// Every way a table is walked, each on its own (a walk that fails must not hide another's
    /// crash): entry by entry, a column family of this one table (the in-place walk), and of the
    /// table twice (the k-way merge).
    static func sstTable(_ bytes: [UInt8]) throws {
        let table = try BlockBasedTable(source: InMemoryByteSource(name: "fuzz.sst", bytes: bytes))
        let walks: [() throws -> Void] = [
            { try table.forEachEntry { _ in true } },
            { try visitVisible([table.makeCursor()]) },
            { try visitVisible([table.makeCursor(), table.makeCursor()]) },
        ]
        for walk in walks {
            do { try walk() } catch is FormatError {}
        }
    }

    private static func visitVisible(_ cursors: [TableCursor]) throws {
        var iterator = MergedColumnFamilyIterator(cursors: cursors)
        while try iterator.advance() { iterator.withCurrent { _, _ in } }
    }
}
