import Bytes

/// A serializer snapshot as Flink writes it: class name, snapshot version, and its parsed payload.
///
/// Flink stores one next to every state (key, namespace and value serializers) so that a restore can
/// rebuild the serializer without the job; the toolkit does the same through `restoreSerializer()`.
public struct SerializerSnapshot: Sendable, Equatable {
    public var className: String
    public var version: Int32
    public var payload: SnapshotPayload

    public init(className: String, version: Int32, payload: SnapshotPayload) {
        self.className = className
        self.version = version
        self.payload = payload
    }

    /// The proxy version `TypeSerializerSnapshotSerializationUtil` writes before a top-level snapshot.
    /// Version 1 (the pre-1.7 `TypeSerializerConfigSnapshot`, Java-serialized) is refused by Flink 1.17+.
    public static let topLevelProxyVersion: Int32 = 2

    /// `TypeSerializerSnapshotSerializationUtil` top level: i32 2, then the versioned snapshot.
    public static func readTopLevel(from r: inout ByteReader) throws -> SerializerSnapshot {
        let at = r.index
        let proxyVersion = try r.readI32("the serializer snapshot proxy version")
        guard proxyVersion == topLevelProxyVersion else {
            throw r.error("expected serializer snapshot proxy version 2, found \(proxyVersion)"
                + (proxyVersion == 1 ? " (a pre-Flink-1.7 TypeSerializerConfigSnapshot, not supported)" : ""),
                at: at)
        }
        return try readVersioned(from: &r)
    }

    /// A nested snapshot: UTF className, i32 version, payload (no leading i32 2).
    public static func readVersioned(from r: inout ByteReader) throws -> SerializerSnapshot {
        try readVersioned(from: &r, depth: 0)
    }

    /// Nesting deeper than this is refused: real types are a few levels deep, and a crafted file
    /// must not exhaust the stack.
    public static let maxNestingDepth = 64

    static func readVersioned(from r: inout ByteReader, depth: Int) throws -> SerializerSnapshot {
        let at = r.index
        guard depth <= maxNestingDepth else {
            throw r.error("serializer snapshots nested deeper than \(maxNestingDepth) levels")
        }
        let className = try r.readModifiedUTF8("a serializer snapshot class name")
        guard let layout = SnapshotRegistry.layout(ofClass: className) else {
            throw r.error("unsupported serializer snapshot class \(className) at byte \(r.baseOffset + at)"
                + " (its payload has no length, so it cannot be skipped)", at: at)
        }
        let version = try r.readI32("a serializer snapshot version")
        let payload = try SnapshotPayload.read(layout: layout, version: version, depth: depth + 1, from: &r)
        return SerializerSnapshot(className: className, version: version, payload: payload)
    }

    public func writeTopLevel(to w: inout ByteWriter) throws {
        w.writeI32(Self.topLevelProxyVersion)
        try writeVersioned(to: &w)
    }

    public func writeVersioned(to w: inout ByteWriter) throws {
        try w.writeModifiedUTF8(className)
        w.writeI32(version)
        try payload.write(to: &w)
    }

    /// The layout this snapshot's class writes (nil only for snapshots built by hand with an unknown class).
    public var layout: SnapshotLayout? { SnapshotRegistry.layout(ofClass: className) }

    /// Nested snapshots in Flink's order (List: [element]; Map: [key, value]; TTL: [Long, user];
    /// Timer: [key, namespace]; Tuple/Row/POJO: fields…). Empty for simple ones.
    public var nestedSnapshots: [SerializerSnapshot] {
        switch payload {
        case .composite(let c): c.nested
        case .pojo(let p): p.fields.compactMap(\.snapshot)
        case .ttlAware(_, let inner): [inner]
        default: []
        }
    }
}
