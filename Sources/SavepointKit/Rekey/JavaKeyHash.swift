import Bytes
import FlinkSerialization

/// How to compute a key's Java `hashCode()` straight from its serialized bytes, built from the
/// key serializer's snapshot (the serializer tree stored with the state meta information).
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
indirect enum JavaKeyHash: Equatable, Sendable {
    case string, boolean, byte, short, int, long, float, double, char
    case tuple([JavaKeyHash])
    case row(fields: [JavaKeyHash], supportsRowKind: Bool)

    /// The hash plan for keys of `snapshot`'s type; throws `RekeyError.unhashableKey` naming it.
    init(_ snapshot: SerializerSnapshot) throws {
        guard let plan = Self.plan(snapshot) else {
            throw RekeyError.unhashableKey(type: Self.typeName(snapshot))
        }
        self = plan
    }

    private static func plan(_ snapshot: SerializerSnapshot) -> JavaKeyHash? {
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

    /// The Java hash code of the key at `bytes[at...]`; `at` moves past the key. Reads exactly the
    /// bytes the serializer reads and throws where it would (a short key, a null string).
    func hashCode(_ bytes: UnsafeBufferPointer<UInt8>, at: inout Int) throws -> Int32 {
        switch self {
        case .string:
            return try Self.stringHash(bytes, at: &at)
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
            let bits = UInt32(truncatingIfNeeded: try Self.load(bytes, &at, 4))
            // floatToIntBits: every NaN is the canonical one.
            return Int32(bitPattern: Float(bitPattern: bits).isNaN ? 0x7FC0_0000 : bits)
        case .double:
            let bits = try Self.load(bytes, &at, 8)
            return FlinkHashing.javaHashCode(Int64(bitPattern: Double(bitPattern: bits).isNaN ? 0x7FF8_0000_0000_0000 : bits))
        case .tuple(let fields):
            var h: Int32 = 0
            for f in fields { h = 31 &* h &+ (try f.hashCode(bytes, at: &at)) }
            return h
        case .row(let fields, let supportsRowKind):
            return try Self.rowHash(fields, supportsRowKind: supportsRowKind, bytes, at: &at)
        }
    }

    /// `RowSerializer`'s layout: a null mask of `(row kind bits +) one bit per field`, most
    /// significant bit first, then the non-null fields.
    private static func rowHash(_ fields: [JavaKeyHash], supportsRowKind: Bool,
                                _ bytes: UnsafeBufferPointer<UInt8>, at: inout Int) throws -> Int32 {
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
            if !bit(kindBits + i) { code = 31 &+ (try f.hashCode(bytes, at: &at)) }
            h = 31 &* h &+ code
        }
        return 31 &* kind &+ h
    }

    /// A `StringValue`: varint length + 1 (0 is null), then each UTF-16 unit as a varint.
    private static func stringHash(_ bytes: UnsafeBufferPointer<UInt8>, at: inout Int) throws -> Int32 {
        let start = at
        let lengthPlusOne = try varint(bytes, &at)
        guard lengthPlusOne != 0 else {
            throw FormatError(offset: start, "expected a key, found a null string (Flink never keys by null)")
        }
        var h: Int32 = 0
        for _ in 0..<(lengthPlusOne - 1) {
            let unit = try varint(bytes, &at)
            guard unit <= 0xFFFF else { throw FormatError(offset: at, "expected a UTF-16 unit, found \(unit)") }
            h = 31 &* h &+ Int32(unit)
        }
        return h
    }

    /// Flink's variable-length int (`StringValue`): 7 bits per byte, low bits first.
    @inline(__always)
    private static func varint(_ bytes: UnsafeBufferPointer<UInt8>, _ at: inout Int) throws -> UInt32 {
        var value: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            guard at < bytes.count else { throw short(at, "a string's varint") }
            let b = bytes[at]
            at += 1
            guard shift < 32 else { throw FormatError(offset: at - 1, "expected a varint of at most 5 bytes") }
            value |= UInt32(b & 0x7F) << shift
            if b & 0x80 == 0 { return value }
            shift += 7
        }
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
