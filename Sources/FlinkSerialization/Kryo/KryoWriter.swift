import Bytes

/// Writes a decoded Kryo value (`KryoObject`) as Flink 2.x's `KryoSerializer` writes it: Kryo 5 as
/// Flink configures it (`KryoSerializer` in apache/flink: references on, the snapshot's
/// registrations from id 85 after Kryo's and chill's Java ones, `KryoClassIDs`), each class with the
/// serializer Kryo 5 gives it (`serializers/DefaultSerializers.java`, `CollectionSerializer.java`,
/// `MapSerializer.java`, `DefaultArraySerializers.java` at `kryo-parent-5.6.2`). The layouts are
/// in `KryoEncoding` and `KryoDefaultSerializers.swift`; what differs from Kryo 2.24:
/// - a class written by name: `writeAscii` (a run of any length, one character as length 1);
/// - a collection: the flagged size + 1, the header, then either every element's class once (and
///   a has-null byte) when all non-null elements have one class, or each element with its class;
/// - a map: size + 1, then the header; `Arrays.asList` a Kryo 5 collection; `UUID` two
///   little-endian longs; short, char, float and double little-endian.
/// References keep the graph the decoder read: an object takes the next id where it starts, a
/// back-reference names the id its object took here.
///
/// What it does not write (a class written field by field, a `String[]`, a value with a
/// registered serializer) throws `Unwritable` naming the class: `upgrade` refuses such a state.
public struct KryoWriter {
    public struct Unwritable: Error, Sendable, CustomStringConvertible {
        public let className: String
        public let reason: String
        public var description: String { "\(className): \(reason)" }
    }

    let registeredIDs: [String: Int]
    private var out = ByteWriter()
    private var nameIDs: [String: Int] = [:]
    /// Reference ids as read → the class of the object (a collection's element class is decided
    /// before its elements are written, back-references to earlier elements included).
    private var classes: [Int: String] = [:]
    /// Reference ids as read → as written.
    private var written: [Int: Int] = [:]
    private var nextID = 0

    init(registrations: KryoRegistrations) {
        var ids: [String: Int] = [:]
        for id in 0..<KryoClassIDs.firstSnapshotRegistration {
            if let name = KryoClassIDs.defaultName(id, encoding: .kryo5) { ids[name] = id }
        }
        // `DefaultClassResolver.register` gives a primitive's wrapper the primitive's registration.
        for (wrapper, primitive) in Self.wrappers { ids[wrapper] = ids[primitive] }
        for (k, name) in registrations.classNames.enumerated() where ids[name] == nil {
            ids[name] = KryoClassIDs.firstSnapshotRegistration + k
        }
        registeredIDs = ids
    }

    /// `kryo.writeClassAndObject` of `object` in Kryo 5.
    public static func kryo5(_ object: KryoObject, registrations: KryoRegistrations) throws -> [UInt8] {
        var w = KryoWriter(registrations: registrations)
        w.collectClasses(object)
        try w.writeClassAndObject(object)
        return w.out.bytes
    }

    // MARK: classes and references

    mutating func writeClass(_ cls: String) {
        if let id = registeredIDs[cls] { out.kryoCount(id + 2); return }
        out.writeU8(1)
        if let nameID = nameIDs[cls] { out.kryoCount(nameID); return }
        let nameID = nameIDs.count
        nameIDs[cls] = nameID
        out.kryoCount(nameID)
        out.kryoAscii(cls)
    }

    static let wrappers = [
        "java.lang.Integer": "int", "java.lang.Float": "float", "java.lang.Boolean": "boolean", "java.lang.Byte": "byte",
        "java.lang.Character": "char", "java.lang.Short": "short", "java.lang.Long": "long", "java.lang.Double": "double",
    ]

    func className(of object: KryoObject) throws -> String? {
        switch object {
        case .null: return nil
        case .object(let cls, _, _): return cls
        case .reference(let id):
            guard let cls = classes[id] else { throw Unwritable(className: "?", reason: "a reference to no object of the value") }
            return cls
        }
    }

    /// The class of every object that took a reference id.
    mutating func collectClasses(_ object: KryoObject) {
        guard case .object(let cls, let content, let id) = object else { return }
        if let id { classes[id] = cls }
        switch content {
        case .collection(let comparator, let elements):
            if let comparator { collectClasses(comparator) }
            elements.forEach { collectClasses($0) }
        case .map(let comparator, let entries):
            if let comparator { collectClasses(comparator) }
            for e in entries { collectClasses(e.key); collectClasses(e.value) }
        case .objectArray(let items): items.forEach { collectClasses($0) }
        case .fields(let fields): fields.forEach { collectClasses($0.value) }
        default: break
        }
    }

    mutating func writeClassAndObject(_ object: KryoObject) throws {
        guard let cls = try className(of: object) else { out.writeU8(0); return }
        writeClass(cls)
        try writeObject(object, mayBeNull: false)
    }

    /// `writeObject` (`mayBeNull` false) and `writeObjectOrNull` (true): the reference or null
    /// marker, then the object.
    mutating func writeObject(_ object: KryoObject, mayBeNull: Bool) throws {
        switch object {
        case .null:
            guard mayBeNull else { throw Unwritable(className: "null", reason: "null where Kryo writes an object") }
            out.writeU8(0)
        case .reference(let id):
            guard let w = written[id] else { throw Unwritable(className: "?", reason: "a reference to no object written before") }
            out.kryoCount(w + 2)
        case .object(let cls, let content, let id):
            if KryoDecoder.tracksReferences(cls) {
                out.writeU8(1)
                if let id { written[id] = nextID }
                nextID += 1
            } else if mayBeNull {
                out.writeU8(1)
            }
            try writeContent(cls, content)
        }
    }

    // MARK: serializers

    mutating func writeContent(_ cls: String, _ content: KryoContent) throws {
        switch content {
        case .primitive(let v): try writePrimitive(cls, v)
        case .string(let v):
            switch v {
            case .string(let s): out.kryoString(Array(s.utf16))
            case .utf16String(let units): out.kryoString(units)
            default: out.kryoString(nil)
            }
        case .bigInteger(let bytes):
            out.kryoCount(bytes.count + 1)
            out.writeBytes(bytes)
        case .bigDecimal(let unscaled, let scale):
            out.kryoCount(unscaled.count + 1)
            out.writeBytes(unscaled)
            out.kryoZigZagInt(scale)
        case .uuid(let most, let least):
            out.writeU64LE(UInt64(bitPattern: most))
            out.writeU64LE(UInt64(bitPattern: least))
        case .epochMillis(let ms): out.kryoVarLong(UInt64(bitPattern: ms))
        case .absent: out.writeU8(0)
        case .collection(let comparator, let elements): try writeCollection(cls, comparator, elements)
        case .map(let comparator, let entries): try writeMap(cls, comparator, entries)
        case .primitiveArray(let items): try writePrimitiveArray(cls, items)
        case .bytes(let b):
            out.kryoCount(b.count + 1)
            out.writeBytes(b)
        case .objectArray(let items):
            out.kryoCount(items.count + 1)
            let element = String(cls.dropFirst(2).dropLast())
            for item in items {
                if KryoDecoder.finalElementClasses.contains(element) { try writeObject(item, mayBeNull: true) } else { try writeClassAndObject(item) }
            }
        case .fields:
            throw Unwritable(className: cls, reason: "a class Kryo writes field by field; re-encoding it is not built")
        }
    }

    mutating func writePrimitive(_ cls: String, _ v: Value) throws {
        switch (cls, v) {
        case ("int", .int(let n)), ("java.lang.Integer", .int(let n)): out.kryoZigZagInt(Int32(truncatingIfNeeded: n))
        case ("long", .int(let n)), ("java.lang.Long", .int(let n)): out.kryoZigZagLong(n)
        case ("short", .int(let n)), ("java.lang.Short", .int(let n)): out.writeU16(UInt16(truncatingIfNeeded: n).byteSwapped)
        case ("byte", .int(let n)), ("java.lang.Byte", .int(let n)): out.writeI8(Int8(truncatingIfNeeded: n))
        case ("char", .char(let c)), ("java.lang.Character", .char(let c)): out.writeU16(c.byteSwapped)
        case ("boolean", .bool(let b)), ("java.lang.Boolean", .bool(let b)): out.writeBool(b)
        case ("float", .float(let f)), ("java.lang.Float", .float(let f)): out.writeU32LE(f.bitPattern)
        case ("double", .double(let d)), ("java.lang.Double", .double(let d)): out.writeU64LE(d.bitPattern)
        case ("void", _), ("java.lang.Void", _): break
        default: throw Unwritable(className: cls, reason: "a \(v.caseName) where the class's serializer writes another value")
        }
    }

    /// `CollectionSerializer`, and the empty and singleton collections' own serializers.
    mutating func writeCollection(_ cls: String, _ comparator: KryoObject?, _ elements: [KryoObject]) throws {
        switch cls {
        case "java.util.Collections$EmptyList", "java.util.Collections$EmptySet": return
        case "java.util.Collections$SingletonList", "java.util.Collections$SingletonSet":
            guard elements.count == 1 else { throw Unwritable(className: cls, reason: "a singleton of \(elements.count) elements") }
            try writeClassAndObject(elements[0])
            return
        default: break
        }
        guard KryoDecoder.collectionClasses.contains(cls) else { throw Unwritable(className: cls, reason: "not a collection Kryo 5 writes") }
        func header(_ w: inout KryoWriter) throws {
            if KryoDecoder.sortedClasses.contains(cls) { try w.writeClassAndObject(comparator ?? .null) }
        }
        guard !elements.isEmpty else {
            out.writeU8(1)
            try header(&self)
            return
        }
        // One class for every non-null element: written once; otherwise each element with its class.
        var shared: String?, mixed = false, hasNull = false
        for e in elements {
            guard let c = try className(of: e) else { hasNull = true; continue }
            if shared == nil { shared = c } else if shared != c { mixed = true; break }
        }
        out.kryoVarIntFlag(!mixed, elements.count + 1)
        try header(&self)
        if mixed {
            for e in elements { try writeClassAndObject(e) }
            return
        }
        guard let shared else { out.writeU8(0); return }
        writeClass(shared)
        out.writeBool(hasNull)
        for e in elements { try writeObject(e, mayBeNull: hasNull) }
    }

    /// `MapSerializer`: size + 1, the header (a sorted map's comparator), keys and values with their
    /// classes; the empty and singleton maps' own serializers.
    mutating func writeMap(_ cls: String, _ comparator: KryoObject?, _ entries: [KryoEntry]) throws {
        switch cls {
        case "java.util.Collections$EmptyMap": return
        case "java.util.Collections$SingletonMap":
            guard entries.count == 1 else { throw Unwritable(className: cls, reason: "a singleton of \(entries.count) entries") }
        default:
            guard KryoDecoder.mapClasses.contains(cls) else { throw Unwritable(className: cls, reason: "not a map Kryo 5 writes") }
            out.kryoCount(entries.count + 1)
            if KryoDecoder.sortedClasses.contains(cls) { try writeClassAndObject(comparator ?? .null) }
        }
        for e in entries {
            try writeClassAndObject(e.key)
            try writeClassAndObject(e.value)
        }
    }

    mutating func writePrimitiveArray(_ cls: String, _ items: [Value]) throws {
        guard cls != "[Ljava.lang.String;" else {
            throw Unwritable(className: cls, reason: "Kryo 5's String[] layout with references on is not built")
        }
        let element: String
        switch cls {
        case "[I": element = "int"
        case "[J": element = "long"
        case "[S": element = "short"
        case "[C": element = "char"
        case "[F": element = "float"
        case "[D": element = "double"
        case "[Z": element = "boolean"
        default: throw Unwritable(className: cls, reason: "not a primitive array")
        }
        out.kryoCount(items.count + 1)
        for v in items { try writePrimitive(element, v) }
    }
}
