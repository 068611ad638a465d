import Bytes
import FlinkSerialization

/// The header of an operator state stream (`OperatorBackendSerializationProxy`): list states
/// (split or union) and broadcast states. Version 6 (Flink 1.17+) adds the compression flag.
public struct OperatorBackendSerializationProxy: Sendable, Equatable {
    public var version: Int32
    public var compressed: Bool
    public var listStates: [StateMetaInfoSnapshot]
    public var broadcastStates: [StateMetaInfoSnapshot]

    public init(version: Int32 = 6, compressed: Bool, listStates: [StateMetaInfoSnapshot],
                broadcastStates: [StateMetaInfoSnapshot]) {
        self.version = version
        self.compressed = compressed
        self.listStates = listStates
        self.broadcastStates = broadcastStates
    }

    public static func read(from r: inout ByteReader) throws -> OperatorBackendSerializationProxy {
        let at = r.fileOffset
        let version = try r.readI32("the operator serialization proxy version")
        guard version >= 5, version <= 6 else {
            throw FormatError(offset: at, "unsupported operator state serialization proxy version \(version) (expected 5 or 6)")
        }
        let compressed = version >= 6 ? try r.readBool("the compression flag") : false
        let lists = try readStates(&r, "operator list states")
        let broadcasts = try readStates(&r, "broadcast states")
        return OperatorBackendSerializationProxy(
            version: version, compressed: compressed, listStates: lists, broadcastStates: broadcasts)
    }

    static func readStates(_ r: inout ByteReader, _ what: StaticString) throws -> [StateMetaInfoSnapshot] {
        let at = r.fileOffset
        let count = Int(try r.readI16(what))
        guard count >= 0 else { throw FormatError(offset: at, "expected a count of \(what) >= 0, found \(count)") }
        var states: [StateMetaInfoSnapshot] = []
        for _ in 0..<count { states.append(try StateMetaInfoSnapshot.read(from: &r)) }
        return states
    }

    public func write(to w: inout ByteWriter) throws {
        w.writeI32(version)
        if version >= 6 { w.writeBool(compressed) }
        w.writeI16(Int16(listStates.count))
        for s in listStates { try s.write(to: &w) }
        w.writeI16(Int16(broadcastStates.count))
        for s in broadcastStates { try s.write(to: &w) }
    }
}
