import Bytes
import Compression
import FlinkSerialization

/// How an operator state is redistributed on restore (`OperatorStateHandle.Mode` ordinals).
public enum OperatorStateDistributionMode: UInt8, Sendable, Codable {
    case splitDistribute = 0, union = 1, broadcast = 2
}

/// One element of operator state: a list element, or one broadcast map entry.
public struct OperatorStateElement: Sendable, Equatable {
    public var stateName: String
    public var mode: OperatorStateDistributionMode
    /// The broadcast entry's key; nil for list elements.
    public var key: Value?
    public var value: Value
}

/// The operator state stream of one subtask: the `OperatorBackendSerializationProxy` header, then
/// list elements back to back (one handle offset per element) and broadcast maps
/// (`i32 size`, then key/value pairs) at their single offset.
public struct OperatorStateStream: Sendable {
    /// Where one state's data lies in the stream, from the operator state handle.
    public struct StatePartition: Sendable {
        public var name: String
        public var mode: OperatorStateDistributionMode
        public var offsets: [Int64]
        public init(name: String, mode: OperatorStateDistributionMode, offsets: [Int64]) {
            self.name = name
            self.mode = mode
            self.offsets = offsets
        }
    }

    public let source: any ByteSource
    public let proxy: OperatorBackendSerializationProxy
    public let partitions: [StatePartition]
    /// Every recorded offset, sorted: an element ends where the next one starts.
    let boundaries: [Int]

    public init(source: any ByteSource, partitions: [StatePartition]) throws {
        self.source = source
        self.partitions = partitions
        let all = partitions.flatMap(\.offsets)
        for o in all where o < 0 || o > Int64(source.size) {
            throw FormatError(file: source.name, offset: 0, "operator state offset \(o) lies outside the stream of \(source.size) bytes")
        }
        boundaries = Array(Set(all.map { Int($0) })).sorted()
        let headerEnd = boundaries.first ?? source.size
        do {
            var r = try source.reader(0..<headerEnd)
            proxy = try OperatorBackendSerializationProxy.read(from: &r)
        } catch let e as FormatError {
            throw e.located(in: source.name)
        }
    }

    /// The (decompressed) bytes of the element or broadcast map recorded at `offset`.
    func elementReader(at offset: Int) throws -> ByteReader {
        let end = boundaries.firstGreater(than: offset) ?? source.size
        let r = try source.reader(offset..<end)
        guard proxy.compressed else { return r }
        var framed = try SnappyFramedReader(r, expectStreamIdentifier: false)
        return ByteReader(try framed.readAll(limit: SnappyFraming.maxBlockSize + (end - offset) * 32))
    }

    public func forEachElement(_ body: (OperatorStateElement) throws -> Void) throws {
        do {
            for p in partitions {
                if p.mode == .broadcast {
                    try readBroadcast(p, body)
                } else {
                    try readList(p, body)
                }
            }
        } catch let e as FormatError {
            throw e.located(in: source.name)
        }
    }

    func readList(_ p: StatePartition, _ body: (OperatorStateElement) throws -> Void) throws {
        guard let meta = proxy.listStates.first(where: { $0.name == p.name }) else {
            throw FormatError(offset: 0, "the handle names list state '\(p.name)', which the stream header does not declare")
        }
        let serializer = meta.valueSerializer?.restoreSerializer()
        for o in p.offsets {
            var r = try elementReader(at: Int(o))
            let value = try serializer?.read(from: &r) ?? .raw(r.remainingBytes)
            try body(OperatorStateElement(stateName: p.name, mode: p.mode, key: nil, value: value))
        }
    }

    func readBroadcast(_ p: StatePartition, _ body: (OperatorStateElement) throws -> Void) throws {
        guard let meta = proxy.broadcastStates.first(where: { $0.name == p.name }) else {
            throw FormatError(offset: 0, "the handle names broadcast state '\(p.name)', which the stream header does not declare")
        }
        guard let keySer = meta.keySerializer?.restoreSerializer(),
              let valueSer = meta.valueSerializer?.restoreSerializer()
        else { throw FormatError(offset: 0, "broadcast state '\(p.name)' lacks its key or value serializer") }
        for o in p.offsets {
            var r = try elementReader(at: Int(o))
            let count = try r.readCount("a broadcast state size")
            try r.require(count, for: "\(count) broadcast entries")
            for _ in 0..<count {
                let key = try keySer.read(from: &r)
                let value = try valueSer.read(from: &r)
                try body(OperatorStateElement(stateName: p.name, mode: p.mode, key: key, value: value))
            }
        }
    }
}
