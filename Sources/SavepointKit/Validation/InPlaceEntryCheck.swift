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

    /// Hands `consumer` this check as a layout type of its own (`InPlaceEntryLayout`), for which
    /// the consumer's code is specialized: per entry, no switch over the shape, the key or the
    /// fields, and a body small enough to be inlined whole into the table walk.
    func specialize<C: InPlaceLayoutConsumer>(_ consumer: C) throws -> C.Result {
        switch key {
        case .string: try specialize(consumer, key: StringKey.self)
        case .long: try specialize(consumer, key: LongKey.self)
        }
    }

    private func specialize<C: InPlaceLayoutConsumer, K: InPlaceKey>(_ c: C, key: K.Type) throws -> C.Result {
        let n = namespaceByte
        return switch shape {
        case .single(.long): try c.consume(InPlaceEntryLayout<K, SingleShape<LongField>>(namespaceByte: n))
        case .single(.string): try c.consume(InPlaceEntryLayout<K, SingleShape<StringField>>(namespaceByte: n))
        case .list(.long): try c.consume(InPlaceEntryLayout<K, ListShape<LongField>>(namespaceByte: n))
        case .list(.string): try c.consume(InPlaceEntryLayout<K, ListShape<StringField>>(namespaceByte: n))
        case .map(.long, .long): try c.consume(InPlaceEntryLayout<K, MapShape<LongField, LongField>>(namespaceByte: n))
        case .map(.long, .string): try c.consume(InPlaceEntryLayout<K, MapShape<LongField, StringField>>(namespaceByte: n))
        case .map(.string, .long): try c.consume(InPlaceEntryLayout<K, MapShape<StringField, LongField>>(namespaceByte: n))
        case .map(.string, .string): try c.consume(InPlaceEntryLayout<K, MapShape<StringField, StringField>>(namespaceByte: n))
        case .timer: try c.consume(InPlaceEntryLayout<K, TimerShape>(namespaceByte: n))
        }
    }

    /// Every byte below 0x80: one UTF-16 unit each, as `StringValue` writes ASCII. Whole words,
    /// the last one overlapping the one before (no loop over the last bytes, whose count varies);
    /// below 8 bytes two overlapping 4-byte words, below 4 the bytes.
    @inline(__always)
    static func isASCII(_ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        if count >= 8 {
            var high = word(p, count &- 8)
            var i = 0
            while i &+ 8 < count {
                high |= word(p, i)
                i &+= 8
            }
            return high & 0x8080_8080_8080_8080 == 0
        }
        if count >= 4 {
            return (halfWord(p, 0) | halfWord(p, count &- 4)) & 0x8080_8080 == 0
        }
        var high: UInt8 = 0
        for i in 0..<count { high |= p[i] }
        return high & 0x80 == 0
    }

    @inline(__always)
    private static func halfWord(_ p: UnsafePointer<UInt8>, _ at: Int) -> UInt32 {
        UnsafeRawPointer(p + at).loadUnaligned(as: UInt32.self)
    }

    @inline(__always)
    private static func word(_ p: UnsafePointer<UInt8>, _ at: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p + at).loadUnaligned(as: UInt64.self))
    }

    /// `String.hashCode` of `n` ASCII units. The commonest keys, 8 to 16 units, in two words and
    /// no loop: `h = 31^(n-8) * D(first 8) + D(last n-8)`, where `D` (`dot`) is the hash of 8 units.
    @inline(__always)
    static func stringHash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt32 {
        if (8...16).contains(n) {
            // The last word's bytes before unit 8 are the first word's: masked out (n = 8: all).
            let tail = word(p, n - 8) & (UInt64.max << UInt64(8 * (16 - n)))
            return powerOf31(n - 8) &* dot(word(p, 0)) &+ dot(tail)
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

    /// 31^k modulo 2³² for k in 0...8: a switch of constants, which the compiler makes a table
    /// lookup (a lazily built global array checks its one-time initialization on every access).
    @inline(__always)
    static func powerOf31(_ k: Int) -> UInt32 {
        switch k {
        case 0: 1
        case 1: 31
        case 2: 961
        case 3: 29_791
        case 4: 923_521
        case 5: 28_629_151
        case 6: 887_503_681
        case 7: 1_742_810_335
        default: 2_487_512_833
        }
    }
}
