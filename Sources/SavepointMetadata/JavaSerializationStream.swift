import Bytes

/// A structural reader of a Java Object Serialization stream (`java.io.ObjectOutputStream`,
/// protocol version 2), as `_metadata` V4+ ends with one holding the job's `CheckpointProperties`.
///
/// Flink reads that trailer with `ObjectInputStream.readObject`, so a `_metadata` cut inside it is
/// refused by Flink; without a JVM we check the same grammar instead: one top-level object that
/// ends exactly at the end of the bytes, every class descriptor, field value, back reference and
/// annotation well formed. Classes are never loaded, so class-specific `writeObject` data is read
/// the way `ObjectOutputStream` frames it (default field values, then a block-data annotation).
///
/// The parse keeps a small model (field values, strings, enum constants; arrays and block data only
/// by size) so callers can look at what was stored, e.g. `CheckpointPropertiesSummary`.
public struct JavaSerializationStream: Sendable, Equatable {
    /// `ObjectStreamConstants.STREAM_MAGIC`.
    public static let magic: UInt16 = 0xACED
    /// `ObjectStreamConstants.STREAM_VERSION`.
    public static let version: UInt16 = 5
    /// `ObjectStreamConstants.baseWireHandle`: the first back-reference handle.
    public static let baseWireHandle: Int32 = 0x7E_0000
    /// Nesting bound (objects in fields, annotations, superclass chains): real trailers need 4.
    public static let maximumDepth = 64

    /// The top-level object (`.null` when the stream holds a null reference).
    public let root: JavaContent
    /// Every value that received a handle, by handle index (handle − `baseWireHandle`).
    public let handles: [JavaContent]

    /// Parses `bytes`, which must hold exactly one top-level object and nothing after it.
    /// Error offsets are `baseOffset` plus the position inside `bytes`.
    public static func read(_ bytes: [UInt8], baseOffset: Int = 0) throws -> JavaSerializationStream {
        try read(from: ByteReader(bytes, baseOffset: baseOffset))
    }

    /// Parses from the reader's position to its end (error offsets follow the reader's).
    public static func read(from reader: ByteReader) throws -> JavaSerializationStream {
        var parser = JavaStreamParser(reader: reader)
        let root = try parser.readStream()
        return JavaSerializationStream(root: root, handles: parser.values)
    }

    /// `content` with a back reference replaced by the value it refers to (one step; a reference
    /// to an object still being read when it was written resolves to that object).
    public func resolve(_ content: JavaContent) -> JavaContent {
        guard case .reference(let index) = content, handles.indices.contains(index) else { return content }
        return handles[index]
    }
}

/// One value of a Java serialization stream, as far as a structural reader can know it.
public indirect enum JavaContent: Sendable, Equatable {
    case null
    /// A back reference (`TC_REFERENCE`), by handle index; see `JavaSerializationStream.resolve`.
    case reference(Int)
    case string(String)
    case enumConstant(className: String, name: String)
    case object(JavaObject)
    /// An array: its class name (`[I`, `[Ljava.lang.String;`) and length.
    case array(className: String, count: Int)
    /// A `Class` object (`TC_CLASS`) or a class descriptor met as a value.
    case classObject(String)
    case primitive(JavaPrimitive)
    /// Raw block data inside an annotation, by size.
    case blockData(count: Int)
}

/// A primitive field value, by its Java type; floating point kept as bits so equality is exact.
public enum JavaPrimitive: Sendable, Equatable {
    case boolean(Bool), byte(Int8), char(UInt16), short(Int16), int(Int32), long(Int64)
    case floatBits(UInt32), doubleBits(UInt64)
}

/// A serialized object: its class and the default field values of every serializable class in
/// its hierarchy, the topmost superclass first (the order of the stream).
public struct JavaObject: Sendable, Equatable {
    public var className: String
    public var fields: [JavaField]

    /// The value of the field `name` (the most derived class's, if several classes declare it).
    public func field(_ name: String) -> JavaContent? {
        fields.last { $0.name == name }?.value
    }
}

public struct JavaField: Sendable, Equatable {
    /// The class that declares the field.
    public var declaringClass: String
    public var name: String
    public var value: JavaContent
}

// MARK: - Parser

/// `ObjectStreamConstants` type codes.
private enum TypeCode {
    static let null: UInt8 = 0x70, reference: UInt8 = 0x71, classDesc: UInt8 = 0x72
    static let object: UInt8 = 0x73, string: UInt8 = 0x74, array: UInt8 = 0x75, classObject: UInt8 = 0x76
    static let blockData: UInt8 = 0x77, endBlockData: UInt8 = 0x78, reset: UInt8 = 0x79
    static let blockDataLong: UInt8 = 0x7A, exception: UInt8 = 0x7B, longString: UInt8 = 0x7C
    static let proxyClassDesc: UInt8 = 0x7D, enumConstant: UInt8 = 0x7E
}

/// `ObjectStreamConstants` class descriptor flags.
private enum ClassFlags {
    static let writeMethod: UInt8 = 0x01, serializable: UInt8 = 0x02
    static let externalizable: UInt8 = 0x04, blockData: UInt8 = 0x08, isEnum: UInt8 = 0x10
}

/// A field as a class descriptor declares it: primitive type code or `L` / `[`.
private struct FieldDescriptor {
    var typeCode: UInt8
    var name: String
    var isPrimitive: Bool { typeCode != UInt8(ascii: "L") && typeCode != UInt8(ascii: "[") }
}

/// A class descriptor with its superclass chain, the most derived class first.
private final class ClassDescriptor: Sendable {
    let name: String
    let flags: UInt8
    let fields: [FieldDescriptor]
    let superclass: ClassDescriptor?
    /// Number of classes in the chain, bounded so an object's class data stays linear in the input.
    let chainLength: Int

    init(name: String, flags: UInt8, fields: [FieldDescriptor], superclass: ClassDescriptor?) {
        self.name = name
        self.flags = flags
        self.fields = fields
        self.superclass = superclass
        self.chainLength = (superclass?.chainLength ?? 0) + 1
    }

    /// The hierarchy from the topmost superclass down: the order class data is written in.
    var hierarchyFromTop: [ClassDescriptor] {
        var chain: [ClassDescriptor] = []
        var current: ClassDescriptor? = self
        while let desc = current { chain.append(desc); current = desc.superclass }
        return chain.reversed()
    }
}

/// What a handle refers to: a descriptor (also usable as a value) or a value.
private enum HandleEntry {
    /// A class descriptor whose own fields or superclass are still being read.
    case pendingDescriptor
    case descriptor(ClassDescriptor)
    case value
}

/// Recursive-descent reader of the grammar in the Java Object Serialization Specification §6.4.
private struct JavaStreamParser {
    var reader: ByteReader
    var entries: [HandleEntry] = []
    var values: [JavaContent] = []
    var depth = 0

    init(reader: ByteReader) { self.reader = reader }

    /// `stream: magic version contents`, restricted to exactly one object and then the end.
    mutating func readStream() throws -> JavaContent {
        let magicAt = reader.index
        let magic = try reader.readU16("the Java serialization magic 0xACED")
        guard magic == JavaSerializationStream.magic else {
            throw reader.error("expected the Java serialization magic 0xACED, found 0x\(hex(magic))", at: magicAt)
        }
        let versionAt = reader.index
        let version = try reader.readU16("the Java serialization stream version")
        guard version == JavaSerializationStream.version else {
            throw reader.error("expected Java serialization stream version 5, found \(version)", at: versionAt)
        }
        let root = try readObject(what: "the top-level object")
        guard reader.isAtEnd else {
            throw reader.error("expected the end of the Java serialization stream after its object, found \(reader.remaining) more bytes")
        }
        return root
    }

    // MARK: contents

    /// `object` (or `blockdata` when `allowBlockData`, inside annotations).
    mutating func readObject(what: String, allowBlockData: Bool = false) throws -> JavaContent {
        try enter()
        defer { depth -= 1 }
        let at = reader.index
        guard let code = reader.peekU8() else {
            throw reader.error("expected \(what), found the end of the data")
        }
        switch code {
        case TypeCode.null: _ = try reader.readU8(); return .null
        case TypeCode.reference: _ = try reader.readU8(); return .reference(try readHandle().index)
        case TypeCode.object: return try readNewObject()
        case TypeCode.string, TypeCode.longString: return .string(try readNewString())
        case TypeCode.enumConstant: return try readNewEnum()
        case TypeCode.array: return try readNewArray()
        case TypeCode.classObject: return try readNewClass()
        case TypeCode.classDesc, TypeCode.proxyClassDesc:
            guard let desc = try readClassDescriptor(what: what) else { return .null }
            return .classObject(desc.name)
        case TypeCode.blockData, TypeCode.blockDataLong:
            guard allowBlockData else {
                throw reader.error("expected \(what), found \(describe(code)) outside an annotation", at: at)
            }
            return .blockData(count: try readBlockData())
        default:
            throw reader.error("expected \(what), found \(describe(code))", at: at)
        }
    }

    /// `TC_OBJECT classDesc newHandle classdata[]`.
    mutating func readNewObject() throws -> JavaContent {
        _ = try reader.readU8()
        let desc = try requireDescriptor(for: "an object")
        if desc.flags & ClassFlags.isEnum != 0 {
            throw reader.error("expected a non-enum class for an object, found enum class \(desc.name)")
        }
        let handle = assign(.value, .object(JavaObject(className: desc.name, fields: [])))
        var object = JavaObject(className: desc.name, fields: [])
        for cls in desc.hierarchyFromTop {
            try readClassData(of: cls, into: &object)
        }
        values[handle] = .object(object)
        return .object(object)
    }

    /// One class's part of an object: field values (primitives, then objects) and, for classes
    /// with their own `writeObject`, the annotation it wrote; externalizable classes only a block.
    mutating func readClassData(of cls: ClassDescriptor, into object: inout JavaObject) throws {
        if cls.flags & ClassFlags.externalizable != 0 {
            guard cls.flags & ClassFlags.blockData != 0 else {
                throw reader.error("cannot read the externalizable data of \(cls.name) written with stream protocol 1")
            }
            try readAnnotation(of: "the external data of \(cls.name)")
            return
        }
        for field in cls.fields where field.isPrimitive {
            let value = try readPrimitive(field, of: cls)
            object.fields.append(JavaField(declaringClass: cls.name, name: field.name, value: .primitive(value)))
        }
        for field in cls.fields where !field.isPrimitive {
            let value = try readObject(what: "the value of field \(field.name) of \(cls.name)")
            object.fields.append(JavaField(declaringClass: cls.name, name: field.name, value: value))
        }
        if cls.flags & ClassFlags.writeMethod != 0 {
            try readAnnotation(of: "the writeObject data of \(cls.name)")
        }
    }

    mutating func readPrimitive(_ field: FieldDescriptor, of cls: ClassDescriptor) throws -> JavaPrimitive {
        switch field.typeCode {
        case UInt8(ascii: "Z"): return .boolean(try reader.readU8("a boolean field value") != 0)
        case UInt8(ascii: "B"): return .byte(try reader.readI8("a byte field value"))
        case UInt8(ascii: "C"): return .char(try reader.readU16("a char field value"))
        case UInt8(ascii: "S"): return .short(try reader.readI16("a short field value"))
        case UInt8(ascii: "I"): return .int(try reader.readI32("an int field value"))
        case UInt8(ascii: "J"): return .long(try reader.readI64("a long field value"))
        case UInt8(ascii: "F"): return .floatBits(try reader.readU32("a float field value"))
        case UInt8(ascii: "D"): return .doubleBits(try reader.readU64("a double field value"))
        default:
            throw reader.error("field \(field.name) of \(cls.name) has unknown type code \(describe(field.typeCode))")
        }
    }

    /// `TC_STRING (u16 length) / TC_LONGSTRING (i64 length)`, then modified UTF-8; gets a handle.
    mutating func readNewString() throws -> String {
        let at = reader.index
        let code = try reader.readU8("a string type code")
        let length: Int
        switch code {
        case TypeCode.string:
            length = Int(try reader.readU16("a string length"))
        case TypeCode.longString:
            let lengthAt = reader.index
            let long = try reader.readI64("a long string length")
            guard long >= 0, long <= Int64(reader.remaining) else {
                throw reader.error("expected a long string length of at most the \(reader.remaining) bytes that remain, found \(long)", at: lengthAt)
            }
            length = Int(long)
        default:
            throw reader.error("expected a string (TC_STRING or TC_LONGSTRING), found \(describe(code))", at: at)
        }
        let string = try decodeUTF(length)
        assign(.value, .string(string))
        return string
    }

    mutating func decodeUTF(_ length: Int) throws -> String {
        let at = reader.index, base = reader.baseOffset
        let units = try reader.withBytes(length, what: "a modified UTF-8 string") { raw in
            try ModifiedUTF8.decode(raw, errorAt: {
                FormatError(offset: base + at + $0, "malformed modified UTF-8 in a Java serialized string")
            })
        }
        return String(decoding: units, as: UTF16.self)
    }

    /// `TC_ENUM classDesc newHandle enumConstantName`.
    mutating func readNewEnum() throws -> JavaContent {
        _ = try reader.readU8()
        let desc = try requireDescriptor(for: "an enum constant")
        guard desc.flags & ClassFlags.isEnum != 0 else {
            throw reader.error("expected an enum class for an enum constant, found non-enum class \(desc.name)")
        }
        let handle = assign(.value, .null)
        let name = try readNewString()
        let constant = JavaContent.enumConstant(className: desc.name, name: name)
        values[handle] = constant
        return constant
    }

    /// `TC_ARRAY classDesc newHandle (i32 size) values[size]`; only the length is kept.
    mutating func readNewArray() throws -> JavaContent {
        _ = try reader.readU8()
        let desc = try requireDescriptor(for: "an array")
        let nameBytes = Array(desc.name.utf8)
        guard nameBytes.count >= 2, nameBytes[0] == UInt8(ascii: "[") else {
            throw reader.error("expected an array class name starting with '[', found \(desc.name)")
        }
        let handle = assign(.value, .array(className: desc.name, count: 0))
        let count = try reader.readCount("an array length")
        try readArrayElements(count, elementType: nameBytes[1], className: desc.name)
        values[handle] = .array(className: desc.name, count: count)
        return .array(className: desc.name, count: count)
    }

    mutating func readArrayElements(_ count: Int, elementType: UInt8, className: String) throws {
        if let width = primitiveWidth(elementType) {
            let (bytes, overflow) = count.multipliedReportingOverflow(by: width)
            guard !overflow else { throw reader.error("array \(className) of \(count) elements is too large") }
            try reader.skip(bytes)
            return
        }
        guard elementType == UInt8(ascii: "L") || elementType == UInt8(ascii: "[") else {
            throw reader.error("array class \(className) has unknown element type \(describe(elementType))")
        }
        // Every element takes at least one byte, so a corrupt length fails here, not in the loop.
        try reader.require(count, for: "\(count) elements of \(className)")
        for i in 0..<count {
            _ = try readObject(what: "element \(i) of \(className)")
        }
    }

    /// `TC_CLASS classDesc newHandle`.
    mutating func readNewClass() throws -> JavaContent {
        _ = try reader.readU8()
        let desc = try requireDescriptor(for: "a Class object")
        assign(.value, .classObject(desc.name))
        return .classObject(desc.name)
    }

    /// `TC_BLOCKDATA (u8 size) / TC_BLOCKDATALONG (i32 size)`, then the bytes; returns the size.
    mutating func readBlockData() throws -> Int {
        let code = try reader.readU8()
        let count = code == TypeCode.blockData
            ? Int(try reader.readU8("a block data length"))
            : try reader.readCount("a long block data length")
        try reader.skip(count)
        return count
    }

    /// `classAnnotation` / `objectAnnotation`: contents until `TC_ENDBLOCKDATA`.
    mutating func readAnnotation(of what: String) throws {
        while true {
            guard let code = reader.peekU8() else {
                throw reader.error("expected \(what) to end with TC_ENDBLOCKDATA (0x78), found the end of the data")
            }
            if code == TypeCode.endBlockData { _ = try reader.readU8(); return }
            _ = try readObject(what: "an element of \(what) or TC_ENDBLOCKDATA (0x78)", allowBlockData: true)
        }
    }

    // MARK: class descriptors

    /// A class descriptor that must not be null.
    mutating func requireDescriptor(for what: String) throws -> ClassDescriptor {
        let at = reader.index
        guard let desc = try readClassDescriptor(what: "the class descriptor of \(what)") else {
            throw reader.error("expected the class descriptor of \(what), found TC_NULL", at: at)
        }
        return desc
    }

    /// `classDesc`: a new (or proxy) descriptor, a reference to one, or null.
    mutating func readClassDescriptor(what: String) throws -> ClassDescriptor? {
        try enter()
        defer { depth -= 1 }
        let at = reader.index
        let code = try reader.readU8("a class descriptor")
        switch code {
        case TypeCode.null: return nil
        case TypeCode.reference:
            let (index, handleAt) = try readHandle()
            guard case .descriptor(let desc) = entries[index] else {
                throw reader.error("expected a reference to a complete class descriptor for \(what), found handle 0x\(hex(UInt32(index) + UInt32(JavaSerializationStream.baseWireHandle))) referring to something else", at: handleAt)
            }
            return desc
        case TypeCode.classDesc: return try readNewClassDescriptor()
        case TypeCode.proxyClassDesc: return try readProxyClassDescriptor()
        default:
            throw reader.error("expected \(what) (TC_CLASSDESC, TC_PROXYCLASSDESC, TC_REFERENCE or TC_NULL), found \(describe(code))", at: at)
        }
    }

    /// `className serialVersionUID newHandle classDescInfo`.
    mutating func readNewClassDescriptor() throws -> ClassDescriptor {
        let name = try readUTF("a class name")
        let suid = try reader.readI64("a serialVersionUID")
        let handle = assign(.pendingDescriptor, .null)
        let flagsAt = reader.index
        let flags = try reader.readU8("class descriptor flags")
        try checkFlags(flags, suid: suid, className: name, at: flagsAt)
        let fields = try readFieldDescriptors(of: name)
        if flags & ClassFlags.isEnum != 0, !fields.isEmpty {
            throw reader.error("enum class \(name) declares \(fields.count) fields, expected none", at: flagsAt)
        }
        try readAnnotation(of: "the class annotation of \(name)")
        let superclass = try readClassDescriptor(what: "the superclass descriptor of \(name)")
        return try finish(ClassDescriptor(name: name, flags: flags, fields: fields, superclass: superclass), handle: handle)
    }

    /// `newHandle (i32 count) proxyInterfaceName[count] classAnnotation superClassDesc`.
    mutating func readProxyClassDescriptor() throws -> ClassDescriptor {
        let handle = assign(.pendingDescriptor, .null)
        let count = try reader.readCount("the number of proxy interfaces")
        // Each name takes at least its 2-byte length, so a corrupt count fails before the loop.
        try reader.require(count * 2, for: "\(count) proxy interface names")
        var interfaces: [String] = []
        for _ in 0..<count { interfaces.append(try readUTF("a proxy interface name")) }
        try readAnnotation(of: "the class annotation of a proxy class")
        let superclass = try readClassDescriptor(what: "the superclass descriptor of a proxy class")
        let name = "Proxy(" + interfaces.joined(separator: ", ") + ")"
        return try finish(
            ClassDescriptor(name: name, flags: ClassFlags.serializable, fields: [], superclass: superclass), handle: handle)
    }

    mutating func finish(_ desc: ClassDescriptor, handle: Int) throws -> ClassDescriptor {
        guard desc.chainLength <= JavaSerializationStream.maximumDepth else {
            throw reader.error("class \(desc.name) has more than \(JavaSerializationStream.maximumDepth) superclasses")
        }
        entries[handle] = .descriptor(desc)
        values[handle] = .classObject(desc.name)
        return desc
    }

    /// The consistency checks `ObjectStreamClass` makes on a descriptor read from a stream.
    func checkFlags(_ flags: UInt8, suid: Int64, className: String, at: Int) throws {
        let serializable = flags & ClassFlags.serializable != 0
        let externalizable = flags & ClassFlags.externalizable != 0
        if serializable && externalizable {
            throw reader.error("class \(className) has both the serializable and the externalizable flag", at: at)
        }
        if flags & ClassFlags.isEnum != 0 && suid != 0 {
            throw reader.error("enum class \(className) has serialVersionUID \(suid), expected 0", at: at)
        }
        if flags & 0xE0 != 0 {
            throw reader.error("class \(className) has unknown descriptor flags 0x\(hex(flags))", at: at)
        }
    }

    /// `(u16 count) fieldDesc[count]`: primitive `typecode name`, object `typecode name className1`.
    mutating func readFieldDescriptors(of className: String) throws -> [FieldDescriptor] {
        let count = Int(try reader.readU16("the number of fields"))
        // Each field takes at least 3 bytes (type code and an empty name).
        try reader.require(count * 3, for: "\(count) field descriptors of \(className)")
        var fields: [FieldDescriptor] = []
        for _ in 0..<count {
            let at = reader.index
            var code = try reader.readU8("a field type code")
            let name = try readUTF("a field name")
            if code == UInt8(ascii: "L") || code == UInt8(ascii: "[") {
                let signature = try readTypeString(field: name)
                guard let first = signature.utf8.first, first == UInt8(ascii: "L") || first == UInt8(ascii: "[") else {
                    throw reader.error("field \(name) of \(className) has type signature \"\(signature)\", expected one starting with L or [", at: at)
                }
                code = first
            } else if primitiveWidth(code) == nil {
                throw reader.error("expected a field type code (B C D F I J S Z L [) in \(className), found \(describe(code))", at: at)
            }
            fields.append(FieldDescriptor(typeCode: code, name: name))
        }
        return fields
    }

    /// `className1`: the field's type signature as a string object (new or a reference to one).
    mutating func readTypeString(field: String) throws -> String {
        guard reader.peekU8() == TypeCode.reference else { return try readNewString() }
        _ = try reader.readU8()
        let (index, at) = try readHandle()
        guard case .string(let string) = values[index] else {
            throw reader.error("expected the type signature of field \(field) to refer to a string", at: at)
        }
        return string
    }

    // MARK: handles

    /// `TC_REFERENCE`'s `i32 handle`, checked against the handles assigned so far.
    mutating func readHandle() throws -> (index: Int, at: Int) {
        let at = reader.index
        let handle = try reader.readI32("a back-reference handle")
        let index = Int(handle) - Int(JavaSerializationStream.baseWireHandle)
        guard entries.indices.contains(index) else {
            throw reader.error("expected a back-reference handle to one of the \(entries.count) values read so far (from 0x7e0000), found 0x\(hex(UInt32(bitPattern: handle)))", at: at)
        }
        return (index, at)
    }

    @discardableResult
    mutating func assign(_ entry: HandleEntry, _ value: JavaContent) -> Int {
        entries.append(entry)
        values.append(value)
        return entries.count - 1
    }

    mutating func enter() throws {
        guard depth < JavaSerializationStream.maximumDepth else {
            throw reader.error("Java serialization stream nests deeper than \(JavaSerializationStream.maximumDepth) levels")
        }
        depth += 1
    }

    /// `DataInput.readUTF`, as class, field and interface names are written.
    mutating func readUTF(_ what: StaticString) throws -> String {
        try reader.readModifiedUTF8(what)
    }
}

private func primitiveWidth(_ code: UInt8) -> Int? {
    switch code {
    case UInt8(ascii: "B"), UInt8(ascii: "Z"): return 1
    case UInt8(ascii: "C"), UInt8(ascii: "S"): return 2
    case UInt8(ascii: "I"), UInt8(ascii: "F"): return 4
    case UInt8(ascii: "J"), UInt8(ascii: "D"): return 8
    default: return nil
    }
}

private func hex<T: BinaryInteger>(_ value: T) -> String { String(value, radix: 16) }

/// A type code in words for error messages.
private func describe(_ code: UInt8) -> String {
    let names: [UInt8: String] = [
        0x70: "TC_NULL", 0x71: "TC_REFERENCE", 0x72: "TC_CLASSDESC", 0x73: "TC_OBJECT", 0x74: "TC_STRING",
        0x75: "TC_ARRAY", 0x76: "TC_CLASS", 0x77: "TC_BLOCKDATA", 0x78: "TC_ENDBLOCKDATA", 0x79: "TC_RESET",
        0x7A: "TC_BLOCKDATALONG", 0x7B: "TC_EXCEPTION", 0x7C: "TC_LONGSTRING", 0x7D: "TC_PROXYCLASSDESC",
        0x7E: "TC_ENUM",
    ]
    let byte = "0x" + (code < 0x10 ? "0" : "") + hex(code)
    if let name = names[code] { return "\(name) (\(byte))" }
    return "unknown type code \(byte)"
}

// MARK: - CheckpointProperties

/// What the `CheckpointProperties` trailer of a V4+ `_metadata` says, for `inspect`: whether the
/// snapshot is a savepoint, in which format (`CANONICAL` / `NATIVE`), and its discard policy.
public struct CheckpointPropertiesSummary: Sendable, Equatable {
    public static let className = "org.apache.flink.runtime.checkpoint.CheckpointProperties"

    /// Every boolean field (`forced`, `unclaimed`, `discardSubsumed`, …) by name.
    public var booleanFields: [String: Bool]
    /// The class of `checkpointType`: `…checkpoint.SavepointType` / `…checkpoint.CheckpointType`
    /// (an enum class in Flink versions before 1.15).
    public var checkpointTypeClass: String?
    /// `SnapshotType.getName()` (`"Savepoint"`, `"Checkpoint"`), or the constant of an old enum type.
    public var checkpointTypeName: String?
    /// `SavepointType.formatType`: `CANONICAL` or `NATIVE` (savepoints only).
    public var savepointFormatType: String?

    public var forced: Bool? { booleanFields["forced"] }
    public var isSavepoint: Bool {
        checkpointTypeClass == "org.apache.flink.runtime.checkpoint.SavepointType"
            || checkpointTypeName?.uppercased().contains("SAVEPOINT") == true
    }

    /// Nil unless the stream's top-level object is a `CheckpointProperties`.
    public init?(_ stream: JavaSerializationStream) {
        guard case .object(let properties) = stream.resolve(stream.root),
              properties.className == Self.className
        else { return nil }
        booleanFields = [:]
        for field in properties.fields {
            if case .primitive(.boolean(let value)) = field.value { booleanFields[field.name] = value }
        }
        switch stream.resolve(properties.field("checkpointType") ?? .null) {
        case .object(let type):
            checkpointTypeClass = type.className
            if case .string(let name) = stream.resolve(type.field("name") ?? .null) { checkpointTypeName = name }
            if case .enumConstant(_, let format) = stream.resolve(type.field("formatType") ?? .null) {
                savepointFormatType = format
            }
        case .enumConstant(let className, let name):
            checkpointTypeClass = className
            checkpointTypeName = name
        default:
            break
        }
    }
}

extension CheckpointMetadata {
    /// The parsed `CheckpointProperties` trailer (nil before V4, or when it holds another object).
    public func checkpointPropertiesSummary() throws -> CheckpointPropertiesSummary? {
        guard let checkpointProperties else { return nil }
        return CheckpointPropertiesSummary(try JavaSerializationStream.read(checkpointProperties))
    }
}
