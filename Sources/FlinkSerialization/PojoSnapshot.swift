import Bytes

/// `PojoSerializerSnapshot` (version 2): the POJO class, its fields in serializer order with their
/// serializer snapshots, and the snapshots of registered and non-registered subclasses.
public struct PojoSnapshot: Sendable, Equatable {
    public var pojoClassName: String
    public var fields: [Field]
    /// Subclasses registered with the execution config; data refers to them by index (a "tag").
    public var registeredSubclasses: [Subclass]
    /// Other subclasses met at runtime; data names them by class name.
    public var nonRegisteredSubclasses: [Subclass]

    public init(pojoClassName: String, fields: [Field], registeredSubclasses: [Subclass] = [],
                nonRegisteredSubclasses: [Subclass] = []) {
        self.pojoClassName = pojoClassName
        self.fields = fields
        self.registeredSubclasses = registeredSubclasses
        self.nonRegisteredSubclasses = nonRegisteredSubclasses
    }

    /// A POJO field. The frames are kept verbatim; `snapshot` is the parsed value frame.
    public struct Field: Sendable, Equatable {
        public var name: String
        /// `{UTF declaringClass, UTF fieldName}` as written by `PojoFieldUtils`; nil when the field is gone.
        public var keyFrame: [UInt8]?
        public var valueFrame: [UInt8]?
        public var snapshot: SerializerSnapshot?

        public init(name: String, keyFrame: [UInt8]?, valueFrame: [UInt8]?, snapshot: SerializerSnapshot?) {
            self.name = name
            self.keyFrame = keyFrame
            self.valueFrame = valueFrame
            self.snapshot = snapshot
        }

        /// The class that declares the field, read from the key frame.
        public var declaringClass: String? {
            guard let keyFrame else { return nil }
            var r = ByteReader(keyFrame)
            return try? r.readModifiedUTF8()
        }
    }

    public struct Subclass: Sendable, Equatable {
        public var className: String
        public var keyFrame: [UInt8]?
        public var valueFrame: [UInt8]?
        public var snapshot: SerializerSnapshot?
    }

    static func read(version: Int32, depth: Int, from r: inout ByteReader) throws -> PojoSnapshot {
        guard version == 2 else {
            throw r.error("expected POJO serializer snapshot version 2, found \(version)")
        }
        let pojoClass = try r.readModifiedUTF8("the POJO class name")
        let fields = try OptionalMap.read("the POJO fields", from: &r).map {
            Field(name: $0.name, keyFrame: $0.keyFrame, valueFrame: $0.valueFrame,
                  snapshot: OptionalMap.snapshot(in: $0.valueFrame, depth: depth))
        }
        let registered = try readSubclasses("the registered subclasses", depth: depth, from: &r)
        let nonRegistered = try readSubclasses("the non-registered subclasses", depth: depth, from: &r)
        return PojoSnapshot(pojoClassName: pojoClass, fields: fields, registeredSubclasses: registered,
                            nonRegisteredSubclasses: nonRegistered)
    }

    static func readSubclasses(_ what: StaticString, depth: Int, from r: inout ByteReader) throws -> [Subclass] {
        try OptionalMap.read(what, from: &r).map {
            Subclass(className: $0.name, keyFrame: $0.keyFrame, valueFrame: $0.valueFrame,
                     snapshot: OptionalMap.snapshot(in: $0.valueFrame, depth: depth))
        }
    }

    func write(to w: inout ByteWriter) throws {
        try w.writeModifiedUTF8(pojoClassName)
        try OptionalMap.write(fields.map {
            OptionalMapEntry(name: $0.name, keyFrame: $0.keyFrame,
                             valueFrame: try Self.frame($0.snapshot, else: $0.valueFrame))
        }, to: &w)
        for list in [registeredSubclasses, nonRegisteredSubclasses] {
            try OptionalMap.write(list.map {
                OptionalMapEntry(name: $0.className, keyFrame: $0.keyFrame,
                                 valueFrame: try Self.frame($0.snapshot, else: $0.valueFrame))
            }, to: &w)
        }
    }

    /// A parsed snapshot is written from its model (so edits take effect); an unparsed frame verbatim.
    static func frame(_ snapshot: SerializerSnapshot?, else raw: [UInt8]?) throws -> [UInt8]? {
        if let snapshot { return try OptionalMap.frame(of: snapshot) }
        return raw
    }
}
