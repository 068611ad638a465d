import Bytes
import CanonicalFormat

/// `InPlaceEntryCheck` as a type: the key's serializer, and what follows the key (the state's
/// shape with its fields), as type parameters, so that code generic over a layout (`LSMTableCheck`,
/// and through it the table walk) is specialized for each, with the per-entry decisions made by
/// the compiler. Only the namespace byte stays a value.
protocol InPlaceLayout {
    /// Where the key starts in the composite key after its key-group prefix.
    var keyOffset: Int { get }
    /// Checks an entry (key after its key-group prefix, value); the length of its key (from
    /// `keyOffset`), or nil to decline (the general path says what is wrong, if anything).
    func check(key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> Int?
    /// The Java `hashCode()` of a key `check` accepted (`KeyHash.read`'s, for these keys).
    func hashCode(_ key: UnsafePointer<UInt8>, length: Int) -> Int32
}

/// What `InPlaceEntryCheck.specialize` hands the layout to.
protocol InPlaceLayoutConsumer {
    associatedtype Result
    func consume<L: InPlaceLayout>(_ layout: L) throws -> Result
}

struct InPlaceEntryLayout<Key: InPlaceKey, Shape: InPlaceShape>: InPlaceLayout {
    /// The void namespace's byte follows the key (false: the state has no namespace serializer).
    let namespaceByte: Bool

    var keyOffset: Int { Shape.keyOffset }

    @inline(__always)
    func check(key k: UnsafeBufferPointer<UInt8>, value v: UnsafeBufferPointer<UInt8>) -> Int? {
        // Both in place, as the renderer requires (an empty folded value may have no address).
        guard let kb = k.baseAddress, let vb = v.baseAddress else { return nil }
        let kEnd = k.count
        var i = Shape.keyOffset
        guard i <= kEnd else { return nil }
        let keyStart = i
        guard Key.skip(kb, at: &i, end: kEnd) else { return nil }
        // Offsets within the buffers: `&+`/`&-` cannot overflow (the buffers' sizes are Ints).
        let keyLength = i &- keyStart
        if namespaceByte {
            guard i < kEnd else { return nil }
            i &+= 1
        }
        guard Shape.checkRest(kb, at: &i, end: kEnd, value: vb, count: v.count) else { return nil }
        return i == kEnd ? keyLength : nil
    }

    @inline(__always)
    func hashCode(_ key: UnsafePointer<UInt8>, length: Int) -> Int32 { Key.hashCode(key, length: length) }
}

// MARK: fields

/// A value serialized in place: `skip` advances past it, false where the check declines.
protocol InPlaceField {
    static func skip(_ base: UnsafePointer<UInt8>, at i: inout Int, end: Int) -> Bool
}

/// `LongSerializer`: fixed64 big-endian.
enum LongField: InPlaceField {
    @inline(__always)
    static func skip(_ base: UnsafePointer<UInt8>, at i: inout Int, end: Int) -> Bool {
        guard end &- i >= 8 else { return false }
        i &+= 8
        return true
    }
}

/// `StringSerializer` (null allowed): varint (UTF-16 units + 1, 0 = null), then one byte per unit
/// where every unit is ASCII (else declined).
enum StringField: InPlaceField {
    @inline(__always)
    static func skip(_ base: UnsafePointer<UInt8>, at i: inout Int, end: Int) -> Bool {
        skip(base, at: &i, end: end, nullAllowed: true)
    }

    @inline(__always)
    static func skip(_ base: UnsafePointer<UInt8>, at i: inout Int, end: Int, nullAllowed: Bool) -> Bool {
        guard let lengthPlusOne = LEB128.uint32(base, at: &i, end: end) else { return false }
        if lengthPlusOne == 0 { return nullAllowed }
        let count = Int(lengthPlusOne) &- 1
        guard count <= end &- i, InPlaceEntryCheck.isASCII(base + i, count) else { return false }
        i &+= count
        return true
    }
}

// MARK: keys

/// A key serializer whose keys are hashed from their bytes as they are (`KeyHash`).
protocol InPlaceKey {
    /// Advances past the key; false to decline (also a null key: the general path says what it is).
    static func skip(_ base: UnsafePointer<UInt8>, at i: inout Int, end: Int) -> Bool
    static func hashCode(_ key: UnsafePointer<UInt8>, length: Int) -> Int32
}

enum LongKey: InPlaceKey {
    @inline(__always)
    static func skip(_ base: UnsafePointer<UInt8>, at i: inout Int, end: Int) -> Bool {
        LongField.skip(base, at: &i, end: end)
    }

    /// `Long.hashCode`.
    @inline(__always)
    static func hashCode(_ key: UnsafePointer<UInt8>, length: Int) -> Int32 {
        FlinkHashing.javaHashCode(Int64(bitPattern: UInt64(bigEndian: UnsafeRawPointer(key).loadUnaligned(as: UInt64.self))))
    }
}

enum StringKey: InPlaceKey {
    @inline(__always)
    static func skip(_ base: UnsafePointer<UInt8>, at i: inout Int, end: Int) -> Bool {
        StringField.skip(base, at: &i, end: end, nullAllowed: false)
    }

    /// `String.hashCode` over ASCII units (`31 * h + unit`, modulo 2³²), after the length varint.
    @inline(__always)
    static func hashCode(_ key: UnsafePointer<UInt8>, length: Int) -> Int32 {
        var i = 0
        while key[i] & 0x80 != 0 { i &+= 1 }
        i &+= 1
        return Int32(bitPattern: InPlaceEntryCheck.stringHash(key + i, length &- i))
    }
}

// MARK: shapes

/// What follows the key and its namespace byte: the rest of the composite key, and the value.
protocol InPlaceShape {
    /// Where the key starts (after a timer's timestamp).
    static var keyOffset: Int { get }
    /// Checks from `i` in the key (advanced past what it reads) and the whole value.
    static func checkRest(_ kb: UnsafePointer<UInt8>, at i: inout Int, end: Int,
                          value vb: UnsafePointer<UInt8>, count: Int) -> Bool
}

extension InPlaceShape {
    static var keyOffset: Int { 0 }
}

/// Value, reducing and aggregating state: one field.
enum SingleShape<F: InPlaceField>: InPlaceShape {
    @inline(__always)
    static func checkRest(_ kb: UnsafePointer<UInt8>, at i: inout Int, end: Int,
                          value vb: UnsafePointer<UInt8>, count: Int) -> Bool {
        var j = 0
        return F.skip(vb, at: &j, end: count) && j == count
    }
}

/// List state: elements joined by the list delimiter.
enum ListShape<F: InPlaceField>: InPlaceShape {
    @inline(__always)
    static func checkRest(_ kb: UnsafePointer<UInt8>, at i: inout Int, end: Int,
                          value vb: UnsafePointer<UInt8>, count: Int) -> Bool {
        var j = 0
        while j < count {
            if j > 0 {
                guard vb[j] == KeyedStateSchema.listDelimiter else { return false }
                j &+= 1
            }
            guard F.skip(vb, at: &j, end: count) else { return false }
        }
        return true
    }
}

/// Map state: the user key ends the composite key; the value is a null flag, then the value
/// unless the flag is set (the renderer prints null and reads no further).
enum MapShape<UserKey: InPlaceField, Value: InPlaceField>: InPlaceShape {
    @inline(__always)
    static func checkRest(_ kb: UnsafePointer<UInt8>, at i: inout Int, end: Int,
                          value vb: UnsafePointer<UInt8>, count: Int) -> Bool {
        guard UserKey.skip(kb, at: &i, end: end), count >= 1 else { return false }
        guard vb[0] == 0 else { return true }
        var j = 1
        return Value.skip(vb, at: &j, end: count) && j == count
    }
}

/// Timers: the key follows the timestamp; the renderer reads no further, and a timer's value is
/// empty by construction.
enum TimerShape: InPlaceShape {
    static var keyOffset: Int { 8 }

    @inline(__always)
    static func checkRest(_ kb: UnsafePointer<UInt8>, at i: inout Int, end: Int,
                          value vb: UnsafePointer<UInt8>, count: Int) -> Bool {
        // The key ends where the check ends (nothing else is read after it).
        i = end
        return true
    }
}
