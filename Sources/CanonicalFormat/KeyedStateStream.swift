import Bytes
import Compression
import FlinkSerialization

/// A keyed state stream of one subtask: the serialization proxy header, then one block per key
/// group at the offsets the state handle records. Reads one key group at a time, so memory follows
/// the largest key group, not the stream.
public struct KeyedStateStream: Sendable {
    /// How the key-group blocks are laid out.
    public enum Layout: String, Sendable {
        /// The unified savepoint format (`FullSnapshotAsyncWriter`): canonical savepoints of every
        /// backend and RocksDB full checkpoints.
        case canonical
        /// The heap backend's own format (`HeapSnapshotStrategy`): hashmap checkpoints and native savepoints.
        case heap
    }

    public let source: any ByteSource
    public let proxy: KeyedBackendSerializationProxy
    public let schemas: [KeyedStateSchema]
    public let layout: Layout
    public let startKeyGroup: Int
    public let offsets: [Int64]
    public let keyGroupPrefixBytes: Int
    public let maxParallelism: Int
    /// Byte length of the header (where the first key group starts, or the stream's end).
    public let headerLength: Int

    /// Opens the stream. `layout` nil means: tell from the bytes (heap blocks open with their key-group id).
    public init(source: any ByteSource, startKeyGroup: Int, offsets: [Int64], maxParallelism: Int,
                layout: Layout? = nil) throws {
        self.source = source
        self.startKeyGroup = startKeyGroup
        self.offsets = offsets
        self.maxParallelism = maxParallelism
        keyGroupPrefixBytes = FlinkHashing.keyGroupPrefixBytes(maxParallelism: maxParallelism)
        for (i, o) in offsets.enumerated() where o < 0 || o > Int64(source.size) {
            throw FormatError(file: source.name, offset: 0,
                              "offset \(o) of key group \(startKeyGroup + i) lies outside the stream of \(source.size) bytes")
        }
        headerLength = Int(offsets.filter { $0 > 0 }.min() ?? Int64(source.size))
        do {
            var r = try source.reader(0..<headerLength)
            proxy = try KeyedBackendSerializationProxy.read(from: &r)
        } catch let e as FormatError {
            throw e.located(in: source.name)
        }
        let keySerializer = proxy.keySerializer
        schemas = proxy.states.map { KeyedStateSchema(metaInfo: $0, keySerializer: keySerializer) }
        self.layout = try layout ?? Self.detectLayout(source: source, startKeyGroup: startKeyGroup, offsets: offsets)
    }

    /// The heap layout writes every key group of the range, each opening with its id; the
    /// canonical one omits empty key groups and opens with a state id and a key length.
    static func detectLayout(source: any ByteSource, startKeyGroup: Int, offsets: [Int64]) throws -> Layout {
        guard !offsets.isEmpty, offsets.allSatisfy({ $0 > 0 }) else { return .canonical }
        for (i, o) in offsets.enumerated() {
            guard Int(o) + 4 <= source.size else { return .canonical }
            var r = try source.reader(Int(o)..<Int(o) + 4)
            if try r.readI32() != Int32(startKeyGroup + i) { return .canonical }
        }
        return .heap
    }

    /// The byte range of each non-empty key group, in key-group order.
    public func keyGroupRanges() -> [(keyGroup: Int, range: Range<Int>)] {
        let starts = offsets.enumerated().filter { $0.element > 0 }.map { (startKeyGroup + $0.offset, Int($0.element)) }
        // A block ends where the next higher offset starts; a binary search, because a linear scan
        // per key group made a stream of 32768 key groups quadratic.
        let sortedStarts = starts.map(\.1).sorted()
        return starts.map { kg, start in (kg, start..<(sortedStarts.firstGreater(than: start) ?? source.size)) }
    }

    /// Reads one key group's block, decompressed, positioned after any heap key-group id.
    func blockReader(keyGroup: Int, range: Range<Int>) throws -> ByteReader {
        var r = try source.reader(range)
        if layout == .heap { try HeapKeyGroupBlock.readKeyGroupID(&r, expected: keyGroup) }
        guard proxy.usingKeyGroupCompression else { return r }
        var framed = try SnappyFramedReader(try r.slice(from: r.position), verifyChecksums: true,
                                            expectStreamIdentifier: layout == .canonical)
        let limit = SnappyFraming.maxBlockSize + range.count * 32
        return ByteReader(try framed.readAll(limit: limit))
    }

    /// Calls `body` with every entry of every key group, in key-group order.
    public func forEachEntry(_ body: (KeyedStateEntry) throws -> Void) throws {
        for (keyGroup, range) in keyGroupRanges() {
            try forEachEntry(inKeyGroup: keyGroup, range: range, body)
        }
    }

    /// Calls `body` with every raw entry (undecoded key and value bytes) of a canonical stream: what a
    /// byte-for-byte copy into another form needs.
    public func forEachRawEntry(_ body: (CanonicalKeyGroupBlock.RawEntry) throws -> Void) throws {
        guard layout == .canonical else {
            throw FormatError(file: source.name, offset: 0, "raw entries exist only in the canonical layout")
        }
        for (keyGroup, range) in keyGroupRanges() {
            var r = try blockReader(keyGroup: keyGroup, range: range)
            try CanonicalKeyGroupBlock.forEachEntry(
                in: &r, keyGroupPrefixBytes: keyGroupPrefixBytes, stateCount: schemas.count, body)
        }
    }

    /// The header bytes exactly as stored.
    public func headerBytes() throws -> [UInt8] { try source.read(0..<headerLength) }

    func forEachEntry(inKeyGroup keyGroup: Int, range: Range<Int>, _ body: (KeyedStateEntry) throws -> Void) throws {
        try locatingErrors(inKeyGroup: keyGroup, range: range) {
            var r = try blockReader(keyGroup: keyGroup, range: range)
            switch layout {
            case .canonical:
                try CanonicalKeyGroupBlock.forEachEntry(
                    in: &r, keyGroupPrefixBytes: keyGroupPrefixBytes, stateCount: schemas.count
                ) { raw in
                    guard raw.keyGroup == keyGroup else {
                        throw raw.keyAfterPrefix.error("entry of key group \(raw.keyGroup) inside the block of key group \(keyGroup)")
                    }
                    try body(try schemas[raw.stateIndex].decodeCanonical(raw))
                }
            case .heap:
                try HeapKeyGroupBlock.forEachEntry(
                    in: &r, keyGroup: keyGroup, maxParallelism: maxParallelism, schemas: schemas, body)
            }
        }
    }

    /// Runs `body` (which reads the block of one key group), saying in its errors which block it was.
    func locatingErrors(inKeyGroup keyGroup: Int, range: Range<Int>, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let e as FormatError {
            // Offsets inside decompressed blocks are relative to the block; say which block it was.
            let where_ = proxy.usingKeyGroupCompression ? " (in the decompressed block of key group \(keyGroup) at \(range.lowerBound))" : ""
            throw FormatError(file: e.file ?? source.name, offset: e.offset, e.message + where_)
        }
    }
}
