import Bytes

/// Decodes one value Flink's `KryoSerializer` wrote (`kryo.writeClassAndObject`), without the job's
/// classes: the classes Kryo serializes with its default serializers become ordinary `Value`s.
///
/// Wire layout (`Kryo.java`, `util/DefaultClassResolver.java`, `util/MapReferenceResolver.java`; the
/// same in Kryo 2.24 and 5):
/// - a class: varint `id + 2` of a registered class (`KryoClassIDs`), 0 for null, or 1 then a varint
///   name id and, the first time that id appears in this value, the class name as a Kryo string;
/// - references are on (Flink keeps Kryo's default): before every object whose class is not a boxed
///   primitive comes a varint, 1 for a new object (it takes the next reference id, in the order objects
///   start), `id + 2` for an object already read, 0 for null where null may stand;
///   boxed primitives where null may stand get one byte, 0 null or 1;
/// - then the object as its serializer writes it (`KryoDefaultSerializers.swift`).
/// Class names and reference ids start afresh with every value.
///
/// A class without a default serializer the toolkit knows (a user class written field by field, an
/// enum by ordinal, a class with a registered serializer) ends decoding: `KryoDecoding` renders the
/// value from that point as `{"$kryo": class, "$raw": base64}`.
public struct KryoDecoder {
    let encoding: KryoEncoding
    let registrations: KryoRegistrations
    private var namesByID: [Int: String] = [:]
    /// Per reference id, how many values the object expands to (nil while it is being read).
    private var expansions: [Int?] = []
    /// Values produced so far, counting the copies back-references make: a few bytes of references
    /// to references must not expand into gigabytes.
    private var produced = 0
    private let producedLimit: Int
    private var depth = 0
    static let maxDepth = 100

    init(encoding: KryoEncoding, registrations: KryoRegistrations, inputSize: Int) {
        self.encoding = encoding
        self.registrations = registrations
        self.producedLimit = max(1 << 16, inputSize * 16)
    }

    /// Stops decoding at a class the toolkit cannot read.
    public struct Undecodable: Error, Sendable {
        public let className: String
        /// Absolute index in the reader's storage where the object's bytes start.
        public let index: Int
    }

    // MARK: classes

    /// `readClass`: nil for a null object.
    mutating func readClass(_ r: inout ByteReader) throws -> String? {
        let at = r.index
        let id = try r.kryoCount("a Kryo class id")
        switch id {
        case 0: return nil
        case 1:
            let nameID = try r.kryoCount("a Kryo class name id")
            if let name = namesByID[nameID] { return name }
            guard case .string(let name) = try r.kryoString("a Kryo class name") else {
                throw r.error("expected a Kryo class name", at: at)
            }
            namesByID[nameID] = name
            return name
        default:
            guard let name = registrations.name(ofID: id - 2, encoding: encoding) else {
                throw r.error("unknown Kryo class id \(id - 2)", at: at)
            }
            return name
        }
    }

    // MARK: objects

    mutating func readClassAndObject(_ r: inout ByteReader) throws -> KryoObject {
        guard let cls = try readClass(&r) else { return .null }
        return try readObject(&r, cls, mayBeNull: false)
    }

    /// `readObject` (`mayBeNull` false) and `readObjectOrNull` (true) of a known class: the reference
    /// marker, then the object.
    mutating func readObject(_ r: inout ByteReader, _ cls: String, mayBeNull: Bool) throws -> KryoObject {
        let at = r.index
        guard Self.tracksReferences(cls) else {
            if mayBeNull {
                let marker = try r.kryoCount("a Kryo null marker")
                if marker == 0 { return .null }
                guard marker == 1 else { throw r.error("expected a Kryo null marker 0 or 1, found \(marker)", at: at) }
            }
            return .object(className: cls, content: try body(&r, cls), id: nil)
        }
        let marker = try r.kryoCount("a Kryo reference marker")
        switch marker {
        case 0:
            guard mayBeNull else { throw r.error("expected a Kryo object, found null where null cannot stand", at: at) }
            return .null
        case 1:
            let slot = expansions.count
            expansions.append(nil)
            let before = produced
            let content = try body(&r, cls)
            expansions[slot] = produced - before
            return .object(className: cls, content: content, id: slot)
        default:
            let id = marker - 2
            guard id < expansions.count else {
                throw r.error("Kryo reference \(id) names no object read before it (\(expansions.count) so far)", at: at)
            }
            guard let expansion = expansions[id] else {
                throw r.error("Kryo reference \(id) points into an object that contains itself", at: at)
            }
            try count(expansion, at: r)
            return .reference(id)
        }
    }

    private mutating func body(_ r: inout ByteReader, _ cls: String) throws -> KryoContent {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw r.error("Kryo values nested deeper than \(Self.maxDepth)") }
        try count(1, at: r)
        if registrations.customSerializers.contains(cls) { throw Undecodable(className: cls, index: r.index) }
        return try readDefault(&r, cls)
    }

    mutating func count(_ n: Int, at r: ByteReader) throws {
        produced += n
        guard produced <= producedLimit else {
            throw r.error("Kryo references expand to more than \(producedLimit) values")
        }
    }

    /// Kryo's `MapReferenceResolver.useReferences`: every class but the boxed primitives.
    static func tracksReferences(_ cls: String) -> Bool {
        switch cls {
        case "int", "float", "boolean", "byte", "char", "short", "long", "double",
             "java.lang.Integer", "java.lang.Float", "java.lang.Boolean", "java.lang.Byte",
             "java.lang.Character", "java.lang.Short", "java.lang.Long", "java.lang.Double":
            return false
        default: return true
        }
    }
}
