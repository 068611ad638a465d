import Bytes
import FlinkSerialization

/// Java `hashCode()` of a key read straight from its serialized bytes, for the key types jobs key
/// by most (`String`, `Long`, `Integer`). Deep validation recomputes the key group of every key;
/// decoding a `Value` per entry only to hash it would cost more than all the other checks.
/// Other key types take the `Value` path (`TypeSerializer.javaHashCode(of:)`).
enum KeyBytesHash: Equatable {
    case string, long, int

    /// nil for serializers without a byte-level hash.
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

    /// The key at the start of some bytes.
    struct Key {
        /// Bytes the key takes.
        var length: Int
        /// nil for the null string (no Java hashCode: Flink never keys by null).
        var hash: Int32?
        /// Whether equal bytes are the only way to an equal `Value`: true unless a string has a
        /// character outside ASCII (Swift compares strings by canonical equivalence) or an
        /// over-long character encoding.
        var bytesDecideEquality: Bool
    }

    /// Reads the key at the start of `bytes` exactly as the serializer would; nil where the
    /// serializer would fail (the caller then decodes the key the usual way).
    func read(_ bytes: UnsafeBufferPointer<UInt8>) -> Key? {
        switch self {
        case .long:
            guard bytes.count >= 8, let base = bytes.baseAddress else { return nil }
            let v = Int64(bigEndian: UnsafeRawPointer(base).loadUnaligned(as: Int64.self))
            return Key(length: 8, hash: FlinkHashing.javaHashCode(v), bytesDecideEquality: true)
        case .int:
            guard bytes.count >= 4, let base = bytes.baseAddress else { return nil }
            let v = Int32(bigEndian: UnsafeRawPointer(base).loadUnaligned(as: Int32.self))
            return Key(length: 4, hash: v, bytesDecideEquality: true)
        case .string:
            return Self.stringValue(bytes)
        }
    }

    /// A Flink `StringValue`: varint length + 1 (0 = null), then each UTF-16 unit as a varint;
    /// Java's `String.hashCode()` over the units.
    static func stringValue(_ bytes: UnsafeBufferPointer<UInt8>) -> Key? {
        guard let base = bytes.baseAddress else { return nil }
        var i = 0
        guard let lengthPlusOne = LEB128.uint32(base, at: &i, end: bytes.count) else { return nil }
        if lengthPlusOne == 0 { return Key(length: i, hash: nil, bytesDecideEquality: true) }
        let count = Int(lengthPlusOne) - 1
        guard count <= bytes.count - i else { return nil }
        // The commonest key: every unit one byte below 0x80 (ASCII), its own UTF-16 unit. One
        // pass hashes the bytes as units and tells whether they were.
        var high: UInt8 = 0
        var hash: Int32 = 0
        for b in UnsafeBufferPointer(start: base + i, count: count) {
            high |= b
            hash = hash &* 31 &+ Int32(b)
        }
        if high < 0x80 { return Key(length: i + count, hash: hash, bytesDecideEquality: true) }
        hash = 0
        var ascii = true
        for _ in 0..<count {
            let at = i
            guard let unit = LEB128.uint32(base, at: &i, end: bytes.count), unit <= 0xFFFF else { return nil }
            if i - at != 1 { ascii = false }
            hash = hash &* 31 &+ Int32(unit)
        }
        return Key(length: i, hash: hash, bytesDecideEquality: ascii)
    }
}
