import Bytes
import CanonicalFormat
import FlinkSerialization

/// The check of one state's entries in place for the commonest serializers (String or Long keys,
/// the void namespace, String or Long values, list elements, map user keys and values, timers):
/// built once per state, then a few pointer reads per entry, with no renderer and no serializer
/// call. It accepts only entries that `CanonicalEntryJSON.rendersSimply` accepts and whose key the
/// state's `KeyHash` reads from the bytes as they are (ASCII or Long, not null), and it declines
/// everything else, which then takes the general path (`checkEntryInPlace`, then decoding, which
/// reports any error): the same entries pass and fail, with the same counts (`InPlaceEntryCheckTests`).
///
/// Layouts (`CompositeKeySerializationUtils`, `TimerSerializer`; after the key-group prefix):
/// ```
/// key    : key ‖ 0x00 (void namespace)            [‖ map user key]
/// timer  : fixed64 BE (timestamp ^ sign bit) ‖ key ‖ 0x00 (void namespace)   (value empty)
/// value  : value | element (‖ 0x2C ‖ element)* | map value: null flag byte [‖ value]
/// Long   : fixed64 BE        String : varint (UTF-16 units + 1, 0 = null) ‖ one byte per unit (ASCII)
/// ```
struct InPlaceEntryCheck {
    enum Field { case long, string }
    enum Shape {
        case single(Field)
        case list(Field)
        case map(userKey: Field, value: Field)
        case timer
    }

    let shape: Shape
    let key: Field
    /// The void namespace's byte follows the key (false: the state has no namespace serializer).
    let namespaceByte: Bool

    /// Nil where `CanonicalEntryJSON` would not render the state's entries simply, or where the
    /// state's keys are not hashed from their bytes as `hasher` (its `KeyedCheckContext.hashers`).
    init?(schema: KeyedStateSchema, hasher: KeyHash?) {
        guard !schema.ambiguousKey else { return nil }
        var keySerializer = schema.keySerializer
        var namespace = schema.namespaceSerializer
        switch schema.kind {
        case .timer:
            guard let timer = schema.stateSerializer as? TimerSerializer else { return nil }
            keySerializer = timer.key
            namespace = timer.namespace
            shape = .timer
        case .list:
            guard let element = schema.elementSerializer.flatMap(Self.field) else { return nil }
            shape = .list(element)
        case .map:
            guard let userKey = schema.userKeySerializer.flatMap(Self.field),
                  let value = schema.elementSerializer.flatMap(Self.field) else { return nil }
            shape = .map(userKey: userKey, value: value)
        case .value, .reducing, .aggregating, .unknown:
            guard let value = schema.stateSerializer.flatMap(Self.field) else { return nil }
            shape = .single(value)
        }
        guard let key = Self.field(keySerializer) else { return nil }
        if let namespace {
            guard namespace is VoidNamespaceSerializer else { return nil }
            namespaceByte = true
        } else {
            // No namespace serializer: the renderer prints the void namespace and reads no byte.
            namespaceByte = false
        }
        switch (key, hasher) {
        case (.string, .string?), (.long, .long?): break
        default: return nil
        }
        self.key = key
    }

    private static func field(_ s: any TypeSerializer) -> Field? {
        if s is StringSerializer { return .string }
        if let p = s as? PrimitiveSerializer, p.kind == .long { return .long }
        return nil
    }

    /// Where the key starts in the composite key after its key-group prefix.
    var keyOffset: Int {
        if case .timer = shape { return 8 }
        return 0
    }

    /// Checks an entry (key after its key-group prefix, value); the length of its key (from
    /// `keyOffset`), or nil to decline.
    @inline(__always)
    func check(key k: UnsafeBufferPointer<UInt8>, value v: UnsafeBufferPointer<UInt8>) -> Int? {
        // Both in place, as the renderer requires (an empty folded value may have no address).
        guard let kb = k.baseAddress, let vb = v.baseAddress else { return nil }
        let kEnd = k.count
        var i = keyOffset
        guard i <= kEnd else { return nil }
        let keyStart = i
        switch key {
        case .long:
            guard kEnd - i >= 8 else { return nil }
            i += 8
        case .string:
            // The key itself: not null (the general path says what a null key is).
            guard let lengthPlusOne = LEB128.uint32(kb, at: &i, end: kEnd), lengthPlusOne != 0 else { return nil }
            let count = Int(lengthPlusOne) - 1
            guard count <= kEnd - i, Self.isASCII(kb + i, count) else { return nil }
            i += count
        }
        let keyLength = i - keyStart
        if namespaceByte {
            guard i < kEnd else { return nil }
            i += 1
        }
        switch shape {
        case .timer:
            // The renderer reads no further, and a timer's value is empty by construction.
            return keyLength
        case let .single(field):
            var j = 0
            guard Self.field(field, vb, at: &j, end: v.count), j == v.count else { return nil }
        case let .list(field):
            var j = 0
            while j < v.count {
                if j > 0 {
                    guard vb[j] == KeyedStateSchema.listDelimiter else { return nil }
                    j += 1
                }
                guard Self.field(field, vb, at: &j, end: v.count) else { return nil }
            }
        case let .map(userKey, field):
            guard Self.field(userKey, kb, at: &i, end: kEnd), v.count >= 1 else { return nil }
            // A set null flag: the renderer prints null and reads no further.
            if vb[0] == 0 {
                var j = 1
                guard Self.field(field, vb, at: &j, end: v.count), j == v.count else { return nil }
            }
        }
        return i == kEnd ? keyLength : nil
    }

    /// One Long, or one String (null allowed) of ASCII characters, at `base[at]`.
    @inline(__always)
    private static func field(_ f: Field, _ base: UnsafePointer<UInt8>, at i: inout Int, end: Int) -> Bool {
        switch f {
        case .long:
            guard end - i >= 8 else { return false }
            i += 8
            return true
        case .string:
            guard let lengthPlusOne = LEB128.uint32(base, at: &i, end: end) else { return false }
            if lengthPlusOne == 0 { return true }
            let count = Int(lengthPlusOne) - 1
            guard count <= end - i, isASCII(base + i, count) else { return false }
            i += count
            return true
        }
    }

    /// Every byte below 0x80: one UTF-16 unit each, as `StringValue` writes ASCII. Whole words,
    /// the last one overlapping the one before (no loop over the last bytes, whose count varies).
    @inline(__always)
    static func isASCII(_ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        var high: UInt64 = 0
        if count >= 8 {
            var i = 0
            while i + 8 < count {
                high |= word(p, i)
                i += 8
            }
            high |= word(p, count - 8)
        } else {
            for i in 0..<count { high |= UInt64(p[i]) }
        }
        return high & 0x8080_8080_8080_8080 == 0
    }

    @inline(__always)
    private static func word(_ p: UnsafePointer<UInt8>, _ at: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p + at).loadUnaligned(as: UInt64.self))
    }

    /// The Java `hashCode()` of the key `check` accepted (`KeyHash.read`'s, for these keys):
    /// `Long.hashCode`, or `String.hashCode` over ASCII units (`31 * h + unit`, modulo 2³²).
    @inline(__always)
    func hashCode(_ key: UnsafePointer<UInt8>, length: Int) -> Int32 {
        switch self.key {
        case .long:
            return FlinkHashing.javaHashCode(Int64(bitPattern: UInt64(bigEndian: UnsafeRawPointer(key).loadUnaligned(as: UInt64.self))))
        case .string:
            var i = 0
            // The length varint (1 byte below 128 units, else more).
            while key[i] & 0x80 != 0 { i += 1 }
            i += 1
            return Int32(bitPattern: Self.stringHash(key + i, length - i))
        }
    }

    /// `String.hashCode` of `n` ASCII units. The commonest keys, 8 to 16 units, in two words and
    /// no loop: `h = 31^(n-8) * D(first 8) + D(last n-8)`, where `D` (`dot`) is the hash of 8 units.
    @inline(__always)
    static func stringHash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt32 {
        if (8...16).contains(n) {
            // The last word's bytes before unit 8 are the first word's: masked out (n = 8: all).
            let tail = word(p, n - 8) & (UInt64.max << UInt64(8 * (16 - n)))
            return powersOf31[n - 8] &* dot(word(p, 0)) &+ dot(tail)
        }
        var h: UInt32 = 0
        for i in 0..<n { h = h &* 31 &+ UInt32(p[i]) }
        return h
    }

    /// `Σ byte_j · 31^(7-j)` of the eight bytes of a little-endian word (byte 0 first, as in the
    /// string), modulo 2³²: pairs `31 · b + b'` in 16-bit lanes, then `961 · pair + pair'` in
    /// 32-bit lanes (no lane overflows: 255 · 31 + 255 < 2¹⁶, 8160 · 961 + 8160 < 2³²).
    @inline(__always)
    static func dot(_ w: UInt64) -> UInt32 {
        let pairs = (w & 0x00FF_00FF_00FF_00FF) &* 31 &+ ((w >> 8) & 0x00FF_00FF_00FF_00FF)
        let quads = (pairs & 0x0000_FFFF_0000_FFFF) &* 961 &+ ((pairs >> 16) & 0x0000_FFFF_0000_FFFF)
        return UInt32(truncatingIfNeeded: quads) &* 923_521 &+ UInt32(truncatingIfNeeded: quads >> 32)
    }

    /// 31⁰ … 31⁸ modulo 2³².
    static let powersOf31: [UInt32] = (0...8).map { k in (0..<k).reduce(UInt32(1)) { p, _ in p &* 31 } }
}
