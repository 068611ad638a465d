import Bytes

/// A `CompositeTypeSerializerSnapshot` payload: the outer serializer's own configuration, then the
/// snapshots of the serializers it nests (`NestedSerializersSnapshotDelegate`).
///
/// Snapshot version 3 (current) frames the outer part with a magic number and its own version;
/// versions 1 and 2 (written before the magic existed) use the snapshot version as outer version.
public struct CompositeSnapshot: Sendable, Equatable {
    public var type: CompositeType
    /// The outer snapshot version (`getCurrentOuterSnapshotVersion`), e.g. 4 for a Row with a row-kind flag.
    public var outerVersion: Int32
    /// False for snapshot versions 1–2, which have no outer magic and version.
    public var hasOuterHeader: Bool
    public var outer: OuterSnapshot
    public var nested: [SerializerSnapshot]

    public init(type: CompositeType, outerVersion: Int32, hasOuterHeader: Bool = true,
                outer: OuterSnapshot = .none, nested: [SerializerSnapshot]) {
        self.type = type
        self.outerVersion = outerVersion
        self.hasOuterHeader = hasOuterHeader
        self.outer = outer
        self.nested = nested
    }

    static let outerMagic: Int32 = 911_108
    static let nestedMagic: Int32 = 1_333_245
    static let nestedFormatVersion: Int32 = 1
    /// Snapshot versions up to this one were written without the outer header.
    static let highestLegacyVersion: Int32 = 2

    static func read(type: CompositeType, version: Int32, depth: Int,
                     from r: inout ByteReader) throws -> CompositeSnapshot {
        let hasHeader = version > highestLegacyVersion
        var outerVersion = version
        if hasHeader {
            try expect(outerMagic, "the composite snapshot magic number", in: &r)
            outerVersion = try r.readI32("the outer snapshot version")
        }
        let outer = try OuterSnapshot.read(type: type, outerVersion: outerVersion, from: &r)
        let nested = try readNested(depth: depth, from: &r)
        return CompositeSnapshot(type: type, outerVersion: outerVersion, hasOuterHeader: hasHeader,
                                 outer: outer, nested: nested)
    }

    static func readNested(depth: Int, from r: inout ByteReader) throws -> [SerializerSnapshot] {
        try expect(nestedMagic, "the nested serializers magic number", in: &r)
        let at = r.index
        let format = try r.readI32("the nested serializers format version")
        guard format == nestedFormatVersion else {
            throw r.error("expected nested serializers format version 1, found \(format)", at: at)
        }
        let count = try r.readCount("the number of nested serializer snapshots")
        // A nested snapshot takes at least 6 bytes (class name length and version).
        try r.require(count * 6, for: "\(count) nested serializer snapshots")
        var nested = [SerializerSnapshot]()
        nested.reserveCapacity(count)
        for _ in 0..<count { nested.append(try SerializerSnapshot.readVersioned(from: &r, depth: depth)) }
        return nested
    }

    static func expect(_ magic: Int32, _ what: StaticString, in r: inout ByteReader) throws {
        let at = r.index
        let found = try r.readI32(what)
        guard found == magic else {
            throw r.error("expected \(what) \(magic), found \(found)", at: at)
        }
    }

    func write(to w: inout ByteWriter) throws {
        if hasOuterHeader {
            w.writeI32(Self.outerMagic)
            w.writeI32(outerVersion)
        }
        try outer.write(to: &w)
        w.writeI32(Self.nestedMagic)
        w.writeI32(Self.nestedFormatVersion)
        w.writeCount(nested.count)
        for n in nested { try n.writeVersioned(to: &w) }
    }
}

/// The outer part of a composite snapshot: what the composite serializer itself is configured with.
public enum OuterSnapshot: Sendable, Equatable {
    case none
    /// `TupleSerializerSnapshot` (tuple class) and `GenericArraySerializerSnapshot` (component class).
    case className(String)
    /// `RowSerializerSnapshot`: whether the data carries a `RowKind`. Outer version ≥ 4 stores the flag;
    /// version 3 implies true and versions ≤ 2 false (nothing stored).
    case rowKind(supported: Bool, stored: Bool)
    /// `NullableSerializerSnapshot`: bytes written after the null flag for a null value.
    case nullPadding(Int32)

    static func read(type: CompositeType, outerVersion: Int32, from r: inout ByteReader) throws -> OuterSnapshot {
        switch type {
        case .tuple, .genericArray:
            return .className(try r.readModifiedUTF8("a class name"))
        case .row:
            if outerVersion >= 4 { return .rowKind(supported: try r.readBool("the row kind flag"), stored: true) }
            return .rowKind(supported: outerVersion == 3, stored: false)
        case .nullable:
            let at = r.index
            let padding = try r.readI32("the null padding length")
            guard padding >= 0 else { throw r.error("expected a null padding length >= 0, found \(padding)", at: at) }
            return .nullPadding(padding)
        case .list, .arrayList, .set, .map, .ttl, .timer, .either, .bufferEntry, .streamElement, .taggedUnion:
            return .none
        }
    }

    func write(to w: inout ByteWriter) throws {
        switch self {
        case .none: break
        case .className(let name): try w.writeModifiedUTF8(name)
        case .rowKind(let supported, let stored): if stored { w.writeBool(supported) }
        case .nullPadding(let n): w.writeI32(n)
        }
    }
}
