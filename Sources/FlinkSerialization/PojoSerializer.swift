import Bytes

/// `PojoSerializer`: a flags byte, then either the fields (each with a null flag, in snapshot order)
/// or a subclass: by class name (non-registered) or by tag (registered), followed by the subclass
/// serializer's bytes.
public struct PojoSerializer: TypeSerializer {
    public let className: String
    public let fieldNames: [String]
    /// nil where the snapshot had no serializer for a field (its class no longer loads).
    public let fieldSerializers: [(any TypeSerializer)?]
    public let registeredSubclasses: [(name: String, serializer: (any TypeSerializer)?)]
    public let nonRegisteredSubclasses: [(name: String, serializer: (any TypeSerializer)?)]

    public init(className: String, fieldNames: [String], fieldSerializers: [(any TypeSerializer)?],
                registeredSubclasses: [(name: String, serializer: (any TypeSerializer)?)] = [],
                nonRegisteredSubclasses: [(name: String, serializer: (any TypeSerializer)?)] = []) {
        self.className = className
        self.fieldNames = fieldNames
        self.fieldSerializers = fieldSerializers
        self.registeredSubclasses = registeredSubclasses
        self.nonRegisteredSubclasses = nonRegisteredSubclasses
    }

    /// `PojoSerializer` flag bits.
    static let isNull: UInt8 = 1, noSubclass: UInt8 = 2, isSubclass: UInt8 = 4, isTaggedSubclass: UInt8 = 8

    public var readsToEnd: Bool { fieldSerializers.contains { $0?.readsToEnd ?? false } }
    public var flinkLength: Int { -1 }

    public func read(from r: inout ByteReader) throws -> Value {
        let start = r.index
        let flags = try r.readU8("the POJO flags")
        if flags & Self.isNull != 0 { return .null }
        if flags & Self.noSubclass != 0 { return try readFields(from: &r) }
        let sub: (any TypeSerializer)?
        let subName: String?
        if flags & Self.isSubclass != 0 {
            let name = try r.readModifiedUTF8("a POJO subclass name")
            subName = name
            sub = nonRegisteredSubclasses.first { $0.name == name }?.serializer
        } else if flags & Self.isTaggedSubclass != 0 {
            let tag = Int(try r.readU8("a POJO subclass tag"))
            subName = tag < registeredSubclasses.count ? registeredSubclasses[tag].name : nil
            sub = tag < registeredSubclasses.count ? registeredSubclasses[tag].serializer : nil
        } else {
            throw r.error("expected POJO flags with a null, no-subclass or subclass bit, found \(flags)", at: start)
        }
        // A subclass the snapshot cannot decode: keep its bytes (they run to the end of the value).
        guard let sub, let subName else { return .raw(try rawFrom(start, &r)) }
        let value = try sub.read(from: &r)
        if case .pojo(let c, _) = value, c == subName { return value }
        return .raw(Array(r.storage[start..<r.index]))
    }

    func readFields(from r: inout ByteReader) throws -> Value {
        var fields = [PojoField]()
        fields.reserveCapacity(fieldNames.count)
        for (name, serializer) in zip(fieldNames, fieldSerializers) {
            let isNull = try r.readBool("a POJO field null flag")
            if isNull { fields.append(PojoField(name: name, value: .null)); continue }
            guard let serializer else {
                throw r.error("POJO field \(name) of \(className) has no serializer in the snapshot")
            }
            fields.append(PojoField(name: name, value: try serializer.read(from: &r)))
        }
        return .pojo(className: className, fields: fields)
    }

    func rawFrom(_ start: Int, _ r: inout ByteReader) throws -> [UInt8] {
        let bytes = Array(r.storage[start..<r.end])
        try r.skip(r.remaining)
        return bytes
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        switch value {
        case .null: w.writeU8(Self.isNull)
        case .raw(let bytes): w.writeBytes(bytes)
        case .pojo(let c, let fields) where c == className: try writeFields(fields, to: &w)
        case .pojo(let c, _): try writeSubclass(c, value, to: &w)
        default: throw mismatch(value, expected: "POJO \(className)", at: w)
        }
    }

    func writeFields(_ fields: [PojoField], to w: inout ByteWriter) throws {
        guard fields.count == fieldNames.count else {
            throw FormatError(offset: w.count, "POJO \(className) has \(fieldNames.count) fields, value has \(fields.count)")
        }
        w.writeU8(Self.noSubclass)
        for (field, serializer) in zip(fields, fieldSerializers) {
            w.writeBool(field.value == .null)
            if field.value == .null { continue }
            guard let serializer else {
                throw FormatError(offset: w.count, "POJO field \(field.name) has no serializer")
            }
            try serializer.write(field.value, to: &w)
        }
    }

    func writeSubclass(_ name: String, _ value: Value, to w: inout ByteWriter) throws {
        if let tag = registeredSubclasses.firstIndex(where: { $0.name == name }),
           let s = registeredSubclasses[tag].serializer, tag <= Int(UInt8.max) {
            w.writeU8(Self.isTaggedSubclass)
            w.writeU8(UInt8(tag))
            try s.write(value, to: &w)
        } else if let s = nonRegisteredSubclasses.first(where: { $0.name == name })?.serializer {
            w.writeU8(Self.isSubclass)
            try w.writeModifiedUTF8(name)
            try s.write(value, to: &w)
        } else {
            throw FormatError(offset: w.count, "no serializer for subclass \(name) of \(className)")
        }
    }
}

/// `EnumSerializer`: an i32 index into the constants of the snapshot (not the Java ordinal).
public struct EnumSerializer: TypeSerializer {
    public let enumClass: String
    public let constants: [String]
    let indexByName: [String: Int]

    public init(enumClass: String, constants: [String]) {
        self.enumClass = enumClass
        self.constants = constants
        var index = [String: Int]()
        for (i, c) in constants.enumerated() where index[c] == nil { index[c] = i }
        indexByName = index
    }

    public var flinkLength: Int { 4 }

    public func read(from r: inout ByteReader) throws -> Value {
        let at = r.index
        let i = try r.readI32("an enum constant index")
        guard i >= 0, Int(i) < constants.count else {
            throw r.error("enum \(enumClass) has \(constants.count) constants, found index \(i)", at: at)
        }
        return .enumConstant(constants[Int(i)])
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        guard case .enumConstant(let name) = value, let i = indexByName[name] else {
            throw mismatch(value, expected: "enum \(enumClass)", at: w)
        }
        w.writeI32(Int32(i))
    }
}
