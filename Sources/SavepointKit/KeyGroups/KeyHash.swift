import Bytes
import FlinkSerialization

/// How to compute a key's Java `hashCode()` (the key hash of `KeyGroupRangeAssignment
/// .computeKeyGroupForKeyHash`) straight from its serialized bytes, built from the key serializer's
/// snapshot (re-keying: `KeyGroupAssigner`) or from the restored serializer (deep validation,
/// `KeyedEntryChecks`, which recomputes the key group of every key: decoding a `Value` per entry
/// only to hash it would cost more than all the other checks).
///
/// Flink assigns a key to its key group from `key.hashCode()` (`KeyGroupRangeAssignment`), so
/// re-keying needs exactly Java's answer. It is defined by value only for these types:
/// - `String` (`31 * h + char` over the UTF-16 units), `Integer`, `Short`, `Byte` (the value),
///   `Character` (the unit), `Long` (`(int) (v ^ v >>> 32)`), `Boolean` (1231 / 1237),
///   `Float` (`floatToIntBits`), `Double` (`doubleToLongBits`, folded as `Long`);
/// - Flink's `Tuple1`…`Tuple25` (`TupleN.hashCode`: `31 * h + field.hashCode()` from 0);
/// - Flink's `Row` (`Row.hashCode`, `RowUtils.deepHashCodeRow`): `31 * kind + fields`, where
///   `kind` is `RowKind.toByteValue()` and `fields` hashes the fields as an array (`31 * h + f`
///   from 1); a null field is 0 and any other field, a nested `Row` too,
///   `Arrays.deepHashCode(new Object[] {field})`, that is `31 + field.hashCode()`. (Checked
///   against Flink 1.20's and 2.3's classes: `KeyGroupAssignerTests`.)
///
/// The snapshot tells boxed types from Flink's `*Value` types (`LongValue` hashes differently from
/// `Long`), which the restored `TypeSerializer` does not. Every other key type (a POJO or a Kryo
/// type with its own `hashCode`, an enum whose `hashCode` is an identity hash, a `*Value` type) is
/// refused by name.
indirect enum KeyHash: Equatable, Sendable {
    case string, boolean, byte, short, int, long, float, double, char
    case tuple([KeyHash])
    case row(fields: [KeyHash], supportsRowKind: Bool)

    /// For deep validation: the key types jobs key by most, from the restored serializer (nil for
    /// the others, which take the `Value` path, `TypeSerializer.javaHashCode(of:)`).
    init?(_ s: any TypeSerializer) {
        if s is StringSerializer {
            self = .string
        } else if let p = s as? PrimitiveSerializer, p.kind == .long {
            self = .long
        } else if let p = s as? PrimitiveSerializer, p.kind == .int {
            self = .int
        } else {
            return nil
        }
    }

    /// The hash plan for keys of `snapshot`'s type; throws `RekeyError.unhashableKey` naming it.
    init(_ snapshot: SerializerSnapshot) throws {
        guard let plan = Self.plan(snapshot) else {
            throw RekeyError.unhashableKey(type: Self.typeName(snapshot))
        }
        self = plan
    }

    private static func plan(_ snapshot: SerializerSnapshot) -> KeyHash? {
        switch snapshot.payload {
        case .empty, .legacySerializerClass:
            guard case .simple(let type)? = snapshot.layout else { return nil }
            switch type {
            case .string: return .string
            case .boolean: return .boolean
            case .byte: return .byte
            case .short: return .short
            case .int: return .int
            case .long: return .long
            case .float: return .float
            case .double: return .double
            case .char: return .char
            default: return nil
            }
        case .composite(let c):
            // Tuple0 (one marker byte, a singleton) is left out: no job keys by it.
            let fields = c.nested.map(plan)
            guard !fields.contains(nil), !fields.isEmpty else { return nil }
            switch (c.type, c.outer) {
            case (.tuple, .className(let cls)) where cls.hasPrefix("org.apache.flink.api.java.tuple.Tuple"):
                return .tuple(fields.map { $0! })
            case (.row, .rowKind(let supported, _)):
                return .row(fields: fields.map { $0! }, supportsRowKind: supported)
            default:
                return nil
            }
        default:
            return nil
        }
    }

    /// The type as a user knows it: the class of a POJO, Kryo or enum type, else the description.
    static func typeName(_ snapshot: SerializerSnapshot) -> String {
        switch snapshot.payload {
        case .pojo(let p): return "POJO \(p.pojoClassName)"
        default: return snapshot.typeDescription
        }
    }

    /// The key at the start of some bytes, for deep validation.
    struct Key {
        /// Bytes the key takes.
        var length: Int
        /// nil for the null string (no Java hashCode: Flink never keys by null).
        var hash: Int32?
        /// Whether equal bytes are the only way to an equal `Value`: false for a string with a
        /// character outside ASCII (Swift compares strings by canonical equivalence) or an
        /// over-long character encoding, and for a float or double (NaN, -0.0).
        var bytesDecideEquality: Bool
    }

    /// Reads the key at the start of `bytes` exactly as the serializer would; nil where the
    /// serializer would fail (the caller then decodes the key the usual way).
    @inline(__always)
    func read(_ bytes: UnsafeBufferPointer<UInt8>) -> Key? {
        var at = 0, exact = true
        do {
            let hash: Int32?
            if case .string = self {
                hash = try Self.stringHash(bytes, at: &at, exact: &exact)
            } else {
                hash = try hashCode(bytes, at: &at, exact: &exact)
            }
            return Key(length: at, hash: hash, bytesDecideEquality: exact)
        } catch {
            return nil
        }
    }

    /// The Java hash code of the key at `bytes[at...]`; `at` moves past the key. Reads exactly the
    /// bytes the serializer reads and throws where it would (a short key), and at a null string.
    func hashCode(_ bytes: UnsafeBufferPointer<UInt8>, at: inout Int) throws -> Int32 {
        var exact = true
        return try hashCode(bytes, at: &at, exact: &exact)
    }

    /// `hashCode`, clearing `exact` where equal bytes are not the only way to an equal key.
    private func hashCode(_ bytes: UnsafeBufferPointer<UInt8>, at: inout Int, exact: inout Bool) throws -> Int32 {
        switch self {
        case .string:
            let start = at
            guard let h = try Self.stringHash(bytes, at: &at, exact: &exact) else {
                throw FormatError(offset: start, "expected a key, found a null string (Flink never keys by null)")
            }
            return h
        case .boolean:
            return try Self.load(bytes, &at, 1) != 0 ? 1231 : 1237
        case .byte:
            return Int32(Int8(truncatingIfNeeded: try Self.load(bytes, &at, 1)))
        case .short:
            return Int32(Int16(truncatingIfNeeded: try Self.load(bytes, &at, 2)))
        case .char:
            return Int32(UInt16(truncatingIfNeeded: try Self.load(bytes, &at, 2)))
        case .int:
            return Int32(truncatingIfNeeded: try Self.load(bytes, &at, 4))
        case .long:
            return FlinkHashing.javaHashCode(Int64(bitPattern: try Self.load(bytes, &at, 8)))
        case .float:
            exact = false
            let bits = UInt32(truncatingIfNeeded: try Self.load(bytes, &at, 4))
            // floatToIntBits: every NaN is the canonical one.
            return Int32(bitPattern: Float(bitPattern: bits).isNaN ? 0x7FC0_0000 : bits)
        case .double:
            exact = false
            let bits = try Self.load(bytes, &at, 8)
            return FlinkHashing.javaHashCode(Int64(bitPattern: Double(bitPattern: bits).isNaN ? 0x7FF8_0000_0000_0000 : bits))
        case .tuple(let fields):
            var h: Int32 = 0
            for f in fields { h = 31 &* h &+ (try f.hashCode(bytes, at: &at, exact: &exact)) }
            return h
        case .row(let fields, let supportsRowKind):
            return try Self.rowHash(fields, supportsRowKind: supportsRowKind, bytes, at: &at, exact: &exact)
        }
    }

    /// `RowSerializer`'s layout: a null mask of `(row kind bits +) one bit per field`, most
    /// significant bit first, then the non-null fields.
    private static func rowHash(_ fields: [KeyHash], supportsRowKind: Bool,
                                _ bytes: UnsafeBufferPointer<UInt8>, at: inout Int, exact: inout Bool) throws -> Int32 {
        let kindBits = supportsRowKind ? 2 : 0
        let maskAt = at
        let maskBytes = (kindBits + fields.count + 7) / 8
        guard bytes.count - at >= maskBytes else { throw short(at, "a row null mask") }
        at += maskBytes
        func bit(_ i: Int) -> Bool { bytes[maskAt + (i >> 3)] & (0x80 >> UInt8(i & 7)) != 0 }
        // RowKind.toByteValue: the two kind bits, low bit first (RowSerializer.readKindFromMask);
        // INSERT (0) without them.
        let kind: Int32 = supportsRowKind ? (bit(0) ? 1 : 0) + (bit(1) ? 2 : 0) : 0
        var h: Int32 = 1
        for (i, f) in fields.enumerated() {
            var code: Int32 = 0
            if !bit(kindBits + i) { code = 31 &+ (try f.hashCode(bytes, at: &at, exact: &exact)) }
            h = 31 &* h &+ code
        }
        return 31 &* kind &+ h
    }

    /// A Flink `StringValue`: varint length + 1 (0 = null, hashed as nil), then each UTF-16 unit
    /// as a varint; Java's `String.hashCode()` over the units (`31 * h + unit`).
    @inline(__always)
    private static func stringHash(_ bytes: UnsafeBufferPointer<UInt8>, at: inout Int, exact: inout Bool) throws -> Int32? {
        guard let base = bytes.baseAddress else { throw short(at, "a string's length") }
        guard let lengthPlusOne = LEB128.uint32(base, at: &at, end: bytes.count) else {
            throw FormatError(offset: at, "expected a string's length as a varint of at most 32 bits")
        }
        if lengthPlusOne == 0 { return nil }
        let count = Int(lengthPlusOne) - 1
        guard count <= bytes.count - at else { throw short(at, "\(count) UTF-16 units") }
        // The commonest key: every unit one byte below 0x80 (ASCII), its own UTF-16 unit. One
        // pass hashes the bytes as units and tells whether they were.
        var high: UInt8 = 0
        var hash: Int32 = 0
        for b in UnsafeBufferPointer(start: base + at, count: count) {
            high |= b
            hash = hash &* 31 &+ Int32(b)
        }
        if high < 0x80 {
            at += count
            return hash
        }
        hash = 0
        for _ in 0..<count {
            let unitAt = at
            guard let unit = LEB128.uint32(base, at: &at, end: bytes.count) else { throw short(unitAt, "a UTF-16 unit") }
            guard unit <= 0xFFFF else { throw FormatError(offset: unitAt, "expected a UTF-16 unit, found \(unit)") }
            if at - unitAt != 1 { exact = false }
            hash = hash &* 31 &+ Int32(unit)
        }
        return hash
    }

    /// `count` bytes big-endian.
    @inline(__always)
    private static func load(_ bytes: UnsafeBufferPointer<UInt8>, _ at: inout Int, _ count: Int) throws -> UInt64 {
        guard bytes.count - at >= count else { throw short(at, "a \(count)-byte key field") }
        var v: UInt64 = 0
        for i in 0..<count { v = v << 8 | UInt64(bytes[at + i]) }
        at += count
        return v
    }

    private static func short(_ at: Int, _ what: String) -> FormatError {
        FormatError(offset: at, "expected \(what), found the end of the key")
    }
}
