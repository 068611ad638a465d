import Bytes

// MARK: - Parser

/// `ObjectStreamConstants` type codes.
enum TypeCode {
    static let null: UInt8 = 0x70, reference: UInt8 = 0x71, classDesc: UInt8 = 0x72
    static let object: UInt8 = 0x73, string: UInt8 = 0x74, array: UInt8 = 0x75, classObject: UInt8 = 0x76
    static let blockData: UInt8 = 0x77, endBlockData: UInt8 = 0x78, reset: UInt8 = 0x79
    static let blockDataLong: UInt8 = 0x7A, exception: UInt8 = 0x7B, longString: UInt8 = 0x7C
    static let proxyClassDesc: UInt8 = 0x7D, enumConstant: UInt8 = 0x7E
}

/// `ObjectStreamConstants` class descriptor flags.
enum ClassFlags {
    static let writeMethod: UInt8 = 0x01, serializable: UInt8 = 0x02
    static let externalizable: UInt8 = 0x04, blockData: UInt8 = 0x08, isEnum: UInt8 = 0x10
}

/// A field as a class descriptor declares it: primitive type code or `L` / `[`.
struct FieldDescriptor {
    var typeCode: UInt8
    var name: String
    var isPrimitive: Bool { typeCode != UInt8(ascii: "L") && typeCode != UInt8(ascii: "[") }
}

/// A class descriptor with its superclass chain, the most derived class first.
final class ClassDescriptor: Sendable {
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
enum HandleEntry {
    /// A class descriptor whose own fields or superclass are still being read.
    case pendingDescriptor
    case descriptor(ClassDescriptor)
    case value
}

/// Recursive-descent reader of the grammar in the Java Object Serialization Specification §6.4.
struct JavaStreamParser {
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
}

func primitiveWidth(_ code: UInt8) -> Int? {
    switch code {
    case UInt8(ascii: "B"), UInt8(ascii: "Z"): return 1
    case UInt8(ascii: "C"), UInt8(ascii: "S"): return 2
    case UInt8(ascii: "I"), UInt8(ascii: "F"): return 4
    case UInt8(ascii: "J"), UInt8(ascii: "D"): return 8
    default: return nil
    }
}

func hex<T: BinaryInteger>(_ value: T) -> String { String(value, radix: 16) }

/// A type code in words for error messages.
func describe(_ code: UInt8) -> String {
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
