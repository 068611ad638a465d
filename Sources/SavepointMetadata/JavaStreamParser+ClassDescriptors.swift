import Bytes

/// Class descriptors and handles: the parts of the grammar that name classes and refer back.
extension JavaStreamParser {
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
