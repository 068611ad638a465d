import Bytes

/// The class-specific part of a serializer snapshot, parsed far enough to be written back byte for byte.
public indirect enum SnapshotPayload: Sendable, Equatable {
    /// `SimpleTypeSerializerSnapshot` version 3: nothing.
    case empty
    /// `SimpleTypeSerializerSnapshot` version 2 stored the serializer class name.
    case legacySerializerClass(String)
    case composite(CompositeSnapshot)
    case pojo(PojoSnapshot)
    /// `EnumSerializerSnapshot`: the enum class and its constants; data stores an index into them.
    case enumeration(enumClass: String, constants: [String])
    /// `GenericTypeSerializerSnapshot` (version 2): the type class name.
    case typeClass(String)
    case kryo(KryoSnapshot)
    /// `AvroSerializerSnapshot`: its UTF strings in stored order (v2: runtime class, then schema JSON;
    /// v1: the schema only).
    case avro(strings: [String])
    /// `TtlAwareSerializerSnapshot` (2.x): whether TTL was enabled, and the wrapped snapshot.
    case ttlAware(ttlEnabled: Bool, inner: SerializerSnapshot)

    static func read(layout: SnapshotLayout, version: Int32, depth: Int,
                     from r: inout ByteReader) throws -> SnapshotPayload {
        switch layout {
        case .simple:
            return try readSimple(version: version, from: &r)
        case .composite(let type):
            return .composite(try CompositeSnapshot.read(type: type, version: version, depth: depth, from: &r))
        case .pojo:
            return .pojo(try PojoSnapshot.read(version: version, depth: depth, from: &r))
        case .enumeration:
            return try readEnum(from: &r)
        case .genericType:
            return .typeClass(try r.readModifiedUTF8("a type class name"))
        case .kryo:
            return .kryo(try KryoSnapshot.read(version: version, from: &r))
        case .avro:
            let count = version >= 2 ? 2 : 1
            var strings = [String]()
            for _ in 0..<count { strings.append(try r.readModifiedUTF8("an Avro snapshot string")) }
            return .avro(strings: strings)
        case .ttlAware:
            let enabled = try r.readBool("the TTL-enabled flag")
            return .ttlAware(ttlEnabled: enabled, inner: try SerializerSnapshot.readVersioned(from: &r, depth: depth))
        }
    }

    static func readSimple(version: Int32, from r: inout ByteReader) throws -> SnapshotPayload {
        switch version {
        case 3: return .empty
        case 2: return .legacySerializerClass(try r.readModifiedUTF8("a serializer class name"))
        default: throw r.error("expected simple serializer snapshot version 2 or 3, found \(version)")
        }
    }

    static func readEnum(from r: inout ByteReader) throws -> SnapshotPayload {
        let enumClass = try r.readModifiedUTF8("an enum class name")
        let count = try r.readCount("the number of enum constants")
        // Each constant takes at least its 2-byte length.
        try r.require(count * 2, for: "\(count) enum constant names")
        var constants = [String]()
        constants.reserveCapacity(count)
        for _ in 0..<count { constants.append(try r.readModifiedUTF8("an enum constant name")) }
        return .enumeration(enumClass: enumClass, constants: constants)
    }

    func write(to w: inout ByteWriter) throws {
        switch self {
        case .empty: break
        case .legacySerializerClass(let name): try w.writeModifiedUTF8(name)
        case .composite(let c): try c.write(to: &w)
        case .pojo(let p): try p.write(to: &w)
        case .enumeration(let enumClass, let constants):
            try w.writeModifiedUTF8(enumClass)
            w.writeCount(constants.count)
            for c in constants { try w.writeModifiedUTF8(c) }
        case .typeClass(let name): try w.writeModifiedUTF8(name)
        case .kryo(let k): try k.write(to: &w)
        case .avro(let strings): for s in strings { try w.writeModifiedUTF8(s) }
        case .ttlAware(let enabled, let inner):
            w.writeBool(enabled)
            try inner.writeVersioned(to: &w)
        }
    }
}
