import Bytes
import FlinkSerialization

/// The commonest entries — String or Long keys, the void namespace, String or Long values, list
/// elements, map user keys and values, timers — rendered with plain pointer reads and writes into
/// one stack buffer: no serializer call, no per-piece array append. Anything else about the entry
/// (another serializer, a non-ASCII string, bytes the format does not allow) makes it decline, and
/// the caller renders the entry the general way, which also reports any error.
extension CanonicalEntryJSON {
    /// Whether every serializer of a state has a simple form.
    static func isSimple(shape: Shape, key: DirectPath, namespace: DirectPath, ambiguousKey: Bool,
                         value: DirectPath, userKey: DirectPath) -> Bool {
        let simple: (DirectPath) -> Bool = { $0 == .string || $0 == .long }
        guard simple(key), namespace == .voidNamespace || namespace == .absent, !ambiguousKey else { return false }
        switch shape {
        case .single, .list: return simple(value)
        case .map: return simple(userKey) && simple(value)
        case .timer: return namespace == .voidNamespace
        }
    }

    /// Renders the line of `raw` (without the newline) and passes it to `body`; returns false
    /// without calling `body` when the entry is not simple. `raw`'s readers do not move.
    public func withSimpleLine(
        _ raw: inout CanonicalKeyGroupBlock.RawEntry, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> Bool {
        guard simple else { return false }
        let (keyAt, keyEnd, valueAt, valueEnd) = (raw.keyAfterPrefix.index, raw.keyAfterPrefix.end, raw.value.index, raw.value.end)
        return try raw.keyAfterPrefix.storage.withUnsafeBufferPointer { keyBytes in
            try raw.value.storage.withUnsafeBufferPointer { valueBytes in
                guard let kb = keyBytes.baseAddress, let vb = valueBytes.baseAddress else { return false }
                return try withSimpleLine(key: UnsafeBufferPointer(start: kb + keyAt, count: keyEnd - keyAt),
                                          value: UnsafeBufferPointer(start: vb + valueAt, count: valueEnd - valueAt), body)
            }
        }
    }

    /// `withSimpleLine` over the key (after its key-group prefix) and value bytes in place.
    public func withSimpleLine(
        key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>,
        _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> Bool {
        guard simple, let kb = key.baseAddress, let vb = value.baseAddress else { return false }
        // Worst case per input byte is 6 output bytes (`\u00XX`); a Long's 8 bytes give at most
        // 20 digits; the field names and brackets are constant.
        let bound = prefix.count + 96 + 6 * (key.count + value.count)
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bound) { buffer in
            guard let start = buffer.baseAddress else { return false }
            var out = RawLine(start: start)
            out.write(UnsafeBufferPointer(prefix))
            var k = RawCursor(base: kb, index: 0, end: key.count)
            var v = RawCursor(base: vb, index: 0, end: value.count)
            guard renderFields(&k, &v, &out) else { return false }
            try body(UnsafeBufferPointer(start: start, count: out.count))
            return true
        }
    }

    func renderFields(_ k: inout RawCursor, _ v: inout RawCursor, _ out: inout RawLine) -> Bool {
        var timestamp: Int64 = 0
        if shape == .timer {
            guard let t = k.i64() else { return false }
            timestamp = Int64(bitPattern: UInt64(bitPattern: t) ^ (UInt64(1) << 63))
        }
        guard field(keyPath, &k, &out) else { return false }
        if namespacePath == .voidNamespace {
            guard k.u8() != nil else { return false }
        }
        out.write(#","namespace":null"#)
        switch shape {
        case .timer:
            out.write(#","value":"#)
            out.integer(timestamp)
            out.byte(UInt8(ascii: "}"))
            return true
        case .single:
            out.write(#","value":"#)
            guard field(valuePath, &v, &out), v.isAtEnd else { return false }
        case .list:
            out.write(#","value":["#)
            var first = true
            while !v.isAtEnd {
                if !first {
                    guard v.u8() == KeyedStateSchema.listDelimiter else { return false }
                    out.byte(UInt8(ascii: ","))
                }
                first = false
                guard field(valuePath, &v, &out) else { return false }
            }
            out.byte(UInt8(ascii: "]"))
        case .map:
            out.write(#","userKey":"#)
            guard field(userKeyPath, &k, &out) else { return false }
            out.write(#","value":"#)
            guard let isNull = v.u8() else { return false }
            if isNull != 0 {
                out.write("null")
            } else {
                guard field(valuePath, &v, &out), v.isAtEnd else { return false }
            }
        }
        guard k.isAtEnd else { return false }
        out.byte(UInt8(ascii: "}"))
        return true
    }

    @inline(__always)
    func field(_ path: DirectPath, _ r: inout RawCursor, _ out: inout RawLine) -> Bool {
        switch path {
        case .long:
            guard let v = r.i64() else { return false }
            out.integer(v)
            return true
        case .string: return Self.asciiStringValue(&r, &out)
        default: return false
        }
    }

    /// A `StringValue` whose characters are all ASCII, escaped as `ValueJSON` escapes; declines
    /// anything else (non-ASCII, a malformed length).
    static func asciiStringValue(_ r: inout RawCursor, _ out: inout RawLine) -> Bool {
        guard let lengthPlusOne = r.varUInt32() else { return false }
        if lengthPlusOne == 0 {
            out.write("null")
            return true
        }
        let count = Int(lengthPlusOne) - 1
        guard count <= r.end - r.index else { return false }
        let chars = UnsafeBufferPointer(start: r.base + r.index, count: count)
        var high: UInt8 = 0, escapes: UInt8 = 0
        for b in chars {
            high |= b
            escapes |= (b < 0x20 ? 1 : 0) | (b == 0x22 ? 1 : 0) | (b == 0x5C ? 1 : 0)
        }
        guard high < 0x80 else { return false }
        out.byte(UInt8(ascii: "\""))
        if escapes == 0 {
            out.write(chars)
        } else {
            for b in chars { out.escaped(b) }
        }
        out.byte(UInt8(ascii: "\""))
        r.index += count
        return true
    }
}

/// Reads over bytes in place, bounded by `end`; nil where `ByteReader` would throw.
struct RawCursor {
    let base: UnsafePointer<UInt8>
    var index: Int
    let end: Int

    var isAtEnd: Bool { index >= end }

    @inline(__always)
    mutating func u8() -> UInt8? {
        guard index < end else { return nil }
        defer { index += 1 }
        return base[index]
    }

    @inline(__always)
    mutating func i64() -> Int64? {
        guard end - index >= 8 else { return nil }
        let bits = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
        index += 8
        return Int64(bitPattern: UInt64(bigEndian: bits))
    }

    /// LEB128, at most 32 bits (as `ByteReader.readVarUInt32`).
    @inline(__always)
    mutating func varUInt32() -> UInt32? {
        LEB128.uint32(base, at: &index, end: end)
    }
}

/// Writes into a buffer the caller sized for the worst case.
struct RawLine {
    let start: UnsafeMutablePointer<UInt8>
    var count = 0

    init(start: UnsafeMutablePointer<UInt8>) { self.start = start }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        start[count] = b
        count += 1
    }

    @inline(__always)
    mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let from = bytes.baseAddress else { return }
        (start + count).update(from: from, count: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    mutating func write(_ s: StaticString) {
        write(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// One ASCII byte of a JSON string, escaped as `ValueJSON.appendEscape` escapes it.
    mutating func escaped(_ b: UInt8) {
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): byte(UInt8(ascii: "\\")); byte(b)
        case 0x0A: write("\\n")
        case 0x0D: write("\\r")
        case 0x09: write("\\t")
        case 0x08: write("\\b")
        case 0x0C: write("\\f")
        case ..<0x20:
            write("\\u00")
            byte(Self.hex[Int(b >> 4)])
            byte(Self.hex[Int(b & 0xF)])
        default: byte(b)
        }
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Decimal digits, as `ValueJSON.appendInteger` writes them.
    @inline(__always)
    mutating func integer(_ v: Int64) {
        if v < 0 { byte(UInt8(ascii: "-")) }
        var m = v.magnitude
        var digits = 1
        var probe = m
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        var at = count + digits
        count = at
        repeat {
            at -= 1
            start[at] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: m % 10)
            m /= 10
        } while m > 0
    }
}
