import Bytes

// The default serializers Kryo picks for JDK classes (`serializers/DefaultSerializers.java`,
// `CollectionSerializer.java`, `MapSerializer.java`, `DefaultArraySerializers.java` in
// EsotericSoftware/kryo at `kryo-2.24.0` and `kryo-parent-5.6.2`; chill's `ArraysAsListSerializer` and
// `UUIDSerializer` for Flink 1.x's ids 73 and 82), by what each writes after the reference marker:
// - boxed primitives: int and long as zigzag varints; short, char, float, double fixed width (byte
//   order per `KryoEncoding`); byte and boolean one byte; `void` nothing.
// - String, StringBuilder, StringBuffer, Currency: a Kryo string.
// - collections (`CollectionSerializer`): Kryo 2.24: header, varint size, each element with its class.
//   Kryo 5: varint-with-flag `size + 1` (0 null; flag: every element of one class), header, then for
//   one class: that class (null: every element null) and a has-null byte, elements as objects of that
//   class (with a null marker when has-null); otherwise each element with its class.
//   The header is empty except for `TreeSet` / `PriorityQueue` (the comparator, an object with its class).
// - maps (`MapSerializer`): Kryo 2.24: header, varint size; Kryo 5: varint `size + 1`, header; then key
//   and value with their classes. `TreeMap`'s header is its comparator.
// - `Collections.emptyList/Set/Map`: nothing; `singletonList/Set`: the element, `singletonMap`: key and value.
// - `BigInteger`: varint `byte count + 1` (0 null), two's-complement big-endian bytes; `BigDecimal`: that
//   unscaled value, then the scale as a zigzag varint.
// - `UUID`: most and least significant bits (2.24/chill: zigzag varlongs; 5: fixed little-endian).
// - `Date`, `java.sql.Date/Time`: varlong epoch milliseconds.
// - arrays: varint `length + 1` (0 null), then `byte[]` bytes, `int[]`/`long[]` zigzag varints,
//   `short[]`/`char[]`/`float[]`/`double[]` fixed width, `boolean[]` bytes, `String[]` Kryo strings,
//   other object arrays each element with its class (boxed and String elements with a null marker).
extension KryoDecoder {
    mutating func readDefault(_ r: inout ByteReader, _ cls: String) throws -> KryoContent {
        let e = encoding
        switch cls {
        case "int", "java.lang.Integer": return .primitive(.int(Int64(try r.kryoZigZagInt("a Kryo int"))))
        case "long", "java.lang.Long": return .primitive(.int(try r.kryoZigZagLong("a Kryo long")))
        case "short", "java.lang.Short": return .primitive(.int(Int64(Int16(bitPattern: try r.kryoFixed16(e)))))
        case "char", "java.lang.Character": return .primitive(.char(try r.kryoFixed16(e)))
        case "byte", "java.lang.Byte": return .primitive(.int(Int64(try r.readI8("a Kryo byte"))))
        case "boolean", "java.lang.Boolean": return .primitive(.bool(try r.readU8("a Kryo boolean") == 1))
        case "float", "java.lang.Float": return .primitive(.float(Float(bitPattern: try r.kryoFixed32(e))))
        case "double", "java.lang.Double": return .primitive(.double(Double(bitPattern: try r.kryoFixed64(e))))
        case "void", "java.lang.Void": return .primitive(.null)
        case "java.lang.String", "java.lang.StringBuilder", "java.lang.StringBuffer", "java.util.Currency":
            return .string(try r.kryoString())
        case "java.math.BigInteger":
            return try JavaNumberText.bigIntegerBytes(&r).map { .bigInteger($0) } ?? .absent
        case "java.math.BigDecimal":
            guard let unscaled = try JavaNumberText.bigIntegerBytes(&r) else { return .absent }
            return .bigDecimal(unscaled: unscaled, scale: try r.kryoZigZagInt("a BigDecimal scale"))
        case "java.util.UUID":
            if e == .kryo2 {
                return .uuid(most: try r.kryoZigZagLong("UUID bits"), least: try r.kryoZigZagLong("UUID bits"))
            }
            return .uuid(most: Int64(bitPattern: try r.kryoFixed64(e)), least: Int64(bitPattern: try r.kryoFixed64(e)))
        case "java.util.Date", "java.sql.Date", "java.sql.Time":
            return .epochMillis(Int64(bitPattern: try r.kryoVarLong("epoch milliseconds")))
        case "java.util.Collections$EmptyList", "java.util.Collections$EmptySet": return .collection(comparator: nil, elements: [])
        case "java.util.Collections$EmptyMap": return .map(comparator: nil, entries: [])
        case "java.util.Collections$SingletonList", "java.util.Collections$SingletonSet":
            return .collection(comparator: nil, elements: [try readClassAndObject(&r)])
        case "java.util.Collections$SingletonMap":
            return .map(comparator: nil, entries: [KryoEntry(key: try readClassAndObject(&r), value: try readClassAndObject(&r))])
        case "java.util.Arrays$ArrayList" where e == .kryo2:
            return try readChillArraysAsList(&r)
        case _ where cls.hasPrefix("["):
            return try readArray(&r, cls)
        case _ where Self.mapClasses.contains(cls):
            return try readMap(&r, hasComparator: Self.sortedClasses.contains(cls))
        case "java.util.PriorityQueue" where e == .kryo2:
            // Flink 1.x registers its own PriorityQueueSerializer (id 75).
            throw Undecodable(className: cls, index: r.index)
        case _ where Self.collectionClasses.contains(cls):
            return try readCollection(&r, hasComparator: Self.sortedClasses.contains(cls))
        default:
            guard let fields = registrations.fieldLayouts[cls] else { throw Undecodable(className: cls, index: r.index) }
            return try readFields(&r, fields)
        }
    }

    /// `FieldSerializer` of a class whose fields the caller gave (`KryoField`), in name order.
    mutating func readFields(_ r: inout ByteReader, _ fields: [KryoField]) throws -> KryoContent {
        var out: [KryoNamedField] = []
        for field in fields.sorted(by: { Array($0.name.utf16).lexicographicallyPrecedes(Array($1.name.utf16)) }) {
            let value: KryoObject
            switch field.kind {
            case .primitive(let type): value = .object(className: type, content: try readDefault(&r, type), id: nil)
            case .final(let type): value = try readObject(&r, type, mayBeNull: true)
            case .any: value = try readClassAndObject(&r)
            }
            out.append(KryoNamedField(name: field.name, value: value))
        }
        return .fields(out)
    }

    /// The classes whose serializer writes a comparator first (`TreeSet`, `TreeMap`, …).
    static let sortedClasses: Set<String> = [
        "java.util.TreeSet", "java.util.TreeMap", "java.util.PriorityQueue",
        "java.util.concurrent.ConcurrentSkipListSet", "java.util.concurrent.ConcurrentSkipListMap",
    ]

    /// Classes Kryo gives its `CollectionSerializer` (Kryo 5's `PriorityQueueSerializer` and
    /// `ArraysAsListSerializer` write the same layout; its PriorityQueue header is the comparator too).
    static let collectionClasses: Set<String> = [
        "java.util.ArrayList", "java.util.LinkedList", "java.util.HashSet", "java.util.LinkedHashSet",
        "java.util.TreeSet", "java.util.Vector", "java.util.Stack", "java.util.ArrayDeque", "java.util.PriorityQueue",
        "java.util.Arrays$ArrayList", "java.util.concurrent.CopyOnWriteArrayList",
        "java.util.concurrent.CopyOnWriteArraySet", "java.util.concurrent.ConcurrentLinkedQueue",
        "java.util.concurrent.ConcurrentLinkedDeque", "java.util.concurrent.ConcurrentSkipListSet",
        "java.util.concurrent.LinkedBlockingQueue", "java.util.concurrent.ArrayBlockingQueue",
    ]

    static let mapClasses: Set<String> = [
        "java.util.HashMap", "java.util.LinkedHashMap", "java.util.TreeMap", "java.util.Hashtable",
        "java.util.IdentityHashMap", "java.util.WeakHashMap", "java.util.Properties",
        "java.util.concurrent.ConcurrentHashMap", "java.util.concurrent.ConcurrentSkipListMap",
    ]

    mutating func readCollection(_ r: inout ByteReader, hasComparator: Bool) throws -> KryoContent {
        if encoding == .kryo2 {
            let comparator = hasComparator ? try readClassAndObject(&r) : nil
            let size = try r.kryoCount("a Kryo collection size")
            try r.require(size, for: "a Kryo collection of \(size) elements")
            return .collection(comparator: comparator, elements: try Self.elements(size) { try readClassAndObject(&r) })
        }
        let (sameClass, n) = try r.kryoVarIntFlag("a Kryo collection size")
        guard n > 0 else { return .absent }
        let comparator = hasComparator ? try readClassAndObject(&r) : nil
        let size = n - 1
        guard size > 0 else { return .collection(comparator: comparator, elements: []) }
        // Each element takes at least one byte.
        try r.require(size, for: "a Kryo collection of \(size) elements")
        let elements: [KryoObject]
        if !sameClass {
            elements = try Self.elements(size) { try readClassAndObject(&r) }
        } else if let cls = try readClass(&r) {
            let hasNull = try r.readU8("a Kryo has-null flag") != 0
            elements = try Self.elements(size) { try readObject(&r, cls, mayBeNull: hasNull) }
        } else {
            elements = Self.elements(size) { .null }
        }
        return .collection(comparator: comparator, elements: elements)
    }

    mutating func readMap(_ r: inout ByteReader, hasComparator: Bool) throws -> KryoContent {
        let size: Int, comparator: KryoObject?
        if encoding == .kryo2 {
            comparator = hasComparator ? try readClassAndObject(&r) : nil
            size = try r.kryoCount("a Kryo map size")
        } else {
            let n = try r.kryoCount("a Kryo map size")
            guard n > 0 else { return .absent }
            comparator = hasComparator ? try readClassAndObject(&r) : nil
            size = n - 1
        }
        try r.require(size, for: "a Kryo map of \(size) entries")
        var entries: [KryoEntry] = []
        for _ in 0..<size {
            let key = try readClassAndObject(&r)
            entries.append(KryoEntry(key: key, value: try readClassAndObject(&r)))
        }
        return .map(comparator: comparator, entries: entries)
    }

    /// chill's `ArraysAsListSerializer` (Flink 1.x, id 73): varint length, the component class, then
    /// each element with its class.
    mutating func readChillArraysAsList(_ r: inout ByteReader) throws -> KryoContent {
        let size = try r.kryoCount("an Arrays.asList length")
        try r.require(size, for: "an Arrays.asList of \(size) elements")
        _ = try readClass(&r)
        return .collection(comparator: nil, elements: try Self.elements(size) { try readClassAndObject(&r) })
    }

    mutating func readArray(_ r: inout ByteReader, _ cls: String) throws -> KryoContent {
        let e = encoding
        let n = try r.kryoCount("a Kryo array length")
        guard n > 0 else { return .absent }
        let size = n - 1
        try r.require(size, for: "a Kryo array of \(size) elements")
        switch cls {
        case "[B": return .bytes(try r.readBytes(size, what: "a Kryo byte array"))
        case "[I": return .primitiveArray(try Self.elements(size) { .int(Int64(try r.kryoZigZagInt("an int"))) })
        case "[J": return .primitiveArray(try Self.elements(size) { .int(try r.kryoZigZagLong("a long")) })
        case "[S": return .primitiveArray(try Self.elements(size) { .int(Int64(Int16(bitPattern: try r.kryoFixed16(e)))) })
        case "[C": return .primitiveArray(try Self.elements(size) { .char(try r.kryoFixed16(e)) })
        case "[F": return .primitiveArray(try Self.elements(size) { .float(Float(bitPattern: try r.kryoFixed32(e))) })
        case "[D": return .primitiveArray(try Self.elements(size) { .double(Double(bitPattern: try r.kryoFixed64(e))) })
        case "[Z": return .primitiveArray(try Self.elements(size) { .bool(try r.readU8("a boolean") == 1) })
        case "[Ljava.lang.String;": return .primitiveArray(try Self.elements(size) { try r.kryoString() })
        default:
            guard cls.hasPrefix("[L"), cls.hasSuffix(";") else { throw Undecodable(className: cls, index: r.index) }
            let element = String(cls.dropFirst(2).dropLast())
            // `ObjectArraySerializer`: elements of a final class carry no class of their own.
            if Self.finalElementClasses.contains(element) {
                return .objectArray(try Self.elements(size) { try readObject(&r, element, mayBeNull: true) })
            }
            return .objectArray(try Self.elements(size) { try readClassAndObject(&r) })
        }
    }

    /// `count` elements read one by one: the count comes from the input, so nothing is reserved for
    /// it (a `map` over a range would reserve all of it up front).
    static func elements<T>(_ count: Int, _ next: () throws -> T) rethrows -> [T] {
        var out: [T] = []
        for _ in 0..<count { out.append(try next()) }
        return out
    }

    static let finalElementClasses: Set<String> = [
        "java.lang.Integer", "java.lang.Long", "java.lang.Short", "java.lang.Byte", "java.lang.Character",
        "java.lang.Boolean", "java.lang.Float", "java.lang.Double", "java.util.UUID",
    ]
}
