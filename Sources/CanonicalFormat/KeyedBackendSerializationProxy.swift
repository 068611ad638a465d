import Bytes
import FlinkSerialization

/// The header of every keyed state stream (`KeyedBackendSerializationProxy`): the key serializer
/// and the meta info of each state, whose index in `states` is the `kvStateId` used in the data.
public struct KeyedBackendSerializationProxy: Sendable, Equatable {
    /// Flink 1.8 onwards writes 6; Flink 2.x refuses anything older.
    public static let currentVersion: Int32 = 6

    public var version: Int32
    public var usingKeyGroupCompression: Bool
    public var keySerializer: SerializerSnapshot
    public var states: [StateMetaInfoSnapshot]

    public init(version: Int32 = currentVersion, usingKeyGroupCompression: Bool,
                keySerializer: SerializerSnapshot, states: [StateMetaInfoSnapshot]) {
        self.version = version
        self.usingKeyGroupCompression = usingKeyGroupCompression
        self.keySerializer = keySerializer
        self.states = states
    }

    public static func read(from r: inout ByteReader) throws -> KeyedBackendSerializationProxy {
        let at = r.fileOffset
        let version = try r.readI32("the keyed serialization proxy version")
        guard version >= 4, version <= 6 else {
            throw FormatError(offset: at, "unsupported keyed state serialization proxy version \(version) (expected 4...6)")
        }
        let compressed = try r.readBool("the key-group compression flag")
        let keySerializer = try SerializerSnapshot.readTopLevel(from: &r)
        let countAt = r.fileOffset
        let count = Int(try r.readI16("the number of states"))
        guard count >= 0 else { throw FormatError(offset: countAt, "expected a state count >= 0, found \(count)") }
        var states: [StateMetaInfoSnapshot] = []
        for _ in 0..<count { states.append(try StateMetaInfoSnapshot.read(from: &r)) }
        return KeyedBackendSerializationProxy(
            version: version, usingKeyGroupCompression: compressed, keySerializer: keySerializer, states: states)
    }

    public func write(to w: inout ByteWriter) throws {
        w.writeI32(version)
        w.writeBool(usingKeyGroupCompression)
        try keySerializer.writeTopLevel(to: &w)
        w.writeI16(Int16(states.count))
        for s in states { try s.write(to: &w) }
    }
}
