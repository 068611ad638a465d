import Bytes

/// One entry of Flink's `LinkedOptionalMap` as `LinkedOptionalMapSerializer` writes it: a name, and
/// key and value each in a length-prefixed frame that may be absent (a class that no longer loads).
///
/// Frames are kept as the exact bytes read, so the map is written back unchanged even where the
/// toolkit does not understand a frame's contents (Java-serialized Kryo serializers, for instance).
public struct OptionalMapEntry: Sendable, Equatable {
    public var name: String
    public var keyFrame: [UInt8]?
    public var valueFrame: [UInt8]?

    public init(name: String, keyFrame: [UInt8]?, valueFrame: [UInt8]?) {
        self.name = name
        self.keyFrame = keyFrame
        self.valueFrame = valueFrame
    }
}

enum OptionalMap {
    /// `LinkedOptionalMapSerializer.HEADER`.
    static let header: Int64 = 0x0000_04F2_C69A_3D70

    static func read(_ what: StaticString, from r: inout ByteReader) throws -> [OptionalMapEntry] {
        let at = r.index
        let found = try r.readI64(what)
        guard found == header else {
            throw r.error("expected the optional map header of \(what), found \(found)", at: at)
        }
        let count = try r.readCount("the number of optional map entries")
        // An entry takes at least 4 bytes (name length and two presence flags).
        try r.require(count * 4, for: "\(count) optional map entries")
        var entries = [OptionalMapEntry]()
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let name = try r.readModifiedUTF8("an optional map entry name")
            let key = try readFrame(from: &r)
            let value = try readFrame(from: &r)
            entries.append(OptionalMapEntry(name: name, keyFrame: key, valueFrame: value))
        }
        return entries
    }

    static func readFrame(from r: inout ByteReader) throws -> [UInt8]? {
        guard try r.readBool("an optional map presence flag") else { return nil }
        let length = try r.readCount("an optional map frame length")
        return try r.readBytes(length, what: "an optional map frame")
    }

    static func write(_ entries: [OptionalMapEntry], to w: inout ByteWriter) throws {
        w.writeI64(header)
        w.writeCount(entries.count)
        for e in entries {
            try w.writeModifiedUTF8(e.name)
            writeFrame(e.keyFrame, to: &w)
            writeFrame(e.valueFrame, to: &w)
        }
    }

    static func writeFrame(_ frame: [UInt8]?, to w: inout ByteWriter) {
        guard let frame else { w.writeBool(false); return }
        w.writeBool(true)
        w.writeCount(frame.count)
        w.writeBytes(frame)
    }

    /// Parses a frame that holds one versioned snapshot; nil when absent or not readable (kept opaque).
    static func snapshot(in frame: [UInt8]?, depth: Int) -> SerializerSnapshot? {
        guard let frame else { return nil }
        var r = ByteReader(frame)
        guard let s = try? SerializerSnapshot.readVersioned(from: &r, depth: depth), r.isAtEnd else { return nil }
        return s
    }

    /// The frame bytes of one versioned snapshot.
    static func frame(of snapshot: SerializerSnapshot) throws -> [UInt8] {
        var w = ByteWriter()
        try snapshot.writeVersioned(to: &w)
        return w.bytes
    }
}
