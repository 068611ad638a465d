/// JSON text of a `Value` in dump schema v1, appended to a reusable byte buffer (no Foundation):
/// `savepoint dump` writes millions of lines, so this is the hot path of every dump.
///
/// Mapping: integers as JSON integers; `Double`/`Float` as their shortest round-trip text (NaN and
/// infinities as the strings "NaN", "Infinity", "-Infinity"); `byte[]` → `{"$bytes":"<base64>"}`;
/// Tuple and Row → arrays of fields (the row kind is not shown); POJO → object in snapshot field
/// order; enum → constant name; List → array; Map → `{"$map":[[k,v],…]}` sorted by the JSON text of
/// k; VoidNamespace → null; TimeWindow → `{"start":S,"end":E}`; GlobalWindow → "global";
/// raw → `{"$raw":"<base64>"}`; TTL → the user's value only; Char → a one-character string;
/// Instant → Java's `Instant.toString()` text ("2024-01-02T03:04:05.123Z") for years 0–9999, else
/// `{"epochSecond":S,"nano":N}`; a timer → `{"timestamp":T,"key":K,"namespace":N}`.
public enum ValueJSON {
    public static func append(_ v: Value, to out: inout [UInt8]) {
        switch v {
        case .null, .voidNamespace: appendASCII("null", to: &out)
        case .bool(let b): appendASCII(b ? "true" : "false", to: &out)
        case .int(let i): appendInteger(i, to: &out)
        case .float(let f): appendFloatingPoint(f, to: &out)
        case .double(let d): appendFloatingPoint(d, to: &out)
        case .char(let c): appendUTF16([c], to: &out)
        case .string(let s): appendString(s, to: &out)
        case .utf16String(let units): appendUTF16(units, to: &out)
        case .bytes(let b): appendTagged("{\"$bytes\":\"", b, to: &out)
        case .raw(let b): appendTagged("{\"$raw\":\"", b, to: &out)
        case .list(let items), .tuple(let items), .row(_, let items): appendArray(items, to: &out)
        case .pojo(_, let fields): appendPojo(fields, to: &out)
        case .enumConstant(let name): appendString(name, to: &out)
        case .map(let entries): appendMap(entries, to: &out)
        case .instant(let s, let n): appendInstant(seconds: s, nanos: n, to: &out)
        case .timeWindow(let s, let e):
            appendASCII("{\"start\":", to: &out); appendInteger(s, to: &out)
            appendASCII(",\"end\":", to: &out); appendInteger(e, to: &out)
            out.append(UInt8(ascii: "}"))
        case .globalWindow: appendASCII("\"global\"", to: &out)
        case .ttl(_, let value): append(value, to: &out)
        case .timer(let t, let k, let n):
            appendASCII("{\"timestamp\":", to: &out); appendInteger(t, to: &out)
            appendASCII(",\"key\":", to: &out); append(k, to: &out)
            appendASCII(",\"namespace\":", to: &out); append(n, to: &out)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// The JSON text of one value, for tests and messages.
    public static func text(_ v: Value) -> String {
        var out = [UInt8]()
        append(v, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A JSON string literal, escaped per RFC 8259 (quote, backslash and control characters).
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendEscaped($0, to: &out) }
    }

    static func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        for i in 0..<utf8.count {
            let b = utf8[i]
            guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
            appendEscape(b, to: &out)
            runStart = i + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        out.append(UInt8(ascii: "\""))
    }

    static func appendEscape(_ b: UInt8, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        switch b {
        case UInt8(ascii: "\""): out.append(b)
        case UInt8(ascii: "\\"): out.append(b)
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(UInt8(ascii: "f"))
        default: appendUnicodeEscape(UInt16(b), to: &out)
        }
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func appendUnicodeEscape(_ unit: UInt16, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "u"))
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hexDigits[Int(unit >> UInt16(shift) & 0xF)])
        }
    }

    /// UTF-16 units as a JSON string; an unpaired surrogate becomes a `\uXXXX` escape (as the
    /// oracle writes it), everything else is escaped as in `appendString`.
    static func appendUTF16(_ units: [UInt16], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var i = 0
        while i < units.count {
            let u = units[i]
            let pairs = UTF16.isLeadSurrogate(u) && i + 1 < units.count && UTF16.isTrailSurrogate(units[i + 1])
            if pairs {
                appendScalarUTF8(units[i], units[i + 1], to: &out)
                i += 2
                continue
            }
            if UTF16.isLeadSurrogate(u) || UTF16.isTrailSurrogate(u) {
                out.append(UInt8(ascii: "\\"))
                appendUnicodeEscape(u, to: &out)
            } else if u < 0x20 || u == 0x22 || u == 0x5C {
                appendEscape(UInt8(u), to: &out)
            } else {
                appendScalarUTF8(u, nil, to: &out)
            }
            i += 1
        }
        out.append(UInt8(ascii: "\""))
    }

    /// UTF-8 of one BMP unit or one surrogate pair.
    static func appendScalarUTF8(_ a: UInt16, _ b: UInt16?, to out: inout [UInt8]) {
        let scalar: UInt32 = b.map { 0x10000 + (UInt32(a) - 0xD800) << 10 + (UInt32($0) - 0xDC00) } ?? UInt32(a)
        if let s = Unicode.Scalar(scalar), let bytes = UTF8.encode(s) { out.append(contentsOf: bytes) }
    }

    @inline(__always)
    static func appendASCII(_ s: StaticString, to out: inout [UInt8]) {
        s.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    /// Decimal digits of a 64-bit integer, without going through `String`.
    public static func appendInteger(_ v: Int64, to out: inout [UInt8]) {
        if v < 0 { out.append(UInt8(ascii: "-")) }
        var m = v.magnitude
        if m == 0 { out.append(UInt8(ascii: "0")); return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buf in
            var i = 20
            while m > 0 {
                i -= 1
                buf[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: m % 10)
                m /= 10
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<20]))
        }
    }

    /// Swift's `description` is the shortest text that reads back to the same value, as Java's is;
    /// non-finite values have no JSON number, so they are strings.
    static func appendFloatingPoint<F: BinaryFloatingPoint & CustomStringConvertible>(_ f: F, to out: inout [UInt8]) {
        if f.isNaN { appendASCII("\"NaN\"", to: &out); return }
        if f.isInfinite { appendASCII(f < 0 ? "\"-Infinity\"" : "\"Infinity\"", to: &out); return }
        out.append(contentsOf: f.description.utf8)
    }

    static func appendTagged(_ prefix: StaticString, _ bytes: [UInt8], to out: inout [UInt8]) {
        appendASCII(prefix, to: &out)
        Base64.append(bytes, to: &out)
        appendASCII("\"}", to: &out)
    }

    static func appendTagged(_ prefix: StaticString, _ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        appendASCII(prefix, to: &out)
        Base64.append(bytes, to: &out)
        appendASCII("\"}", to: &out)
    }

    static func appendArray(_ items: [Value], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            append(item, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    static func appendPojo(_ fields: [PojoField], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (i, f) in fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendString(f.name, to: &out)
            out.append(UInt8(ascii: ":"))
            append(f.value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Entries sorted by the JSON text of their keys, so equal maps print equal whatever the
    /// stored (hash) order.
    static func appendMap(_ entries: [MapEntry], to out: inout [UInt8]) {
        let keys: [[UInt8]] = entries.map { e in
            var k = [UInt8]()
            append(e.key, to: &k)
            return k
        }
        let order = keys.indices.sorted { keys[$0].lexicographicallyPrecedes(keys[$1]) }
        appendASCII("{\"$map\":[", to: &out)
        for (n, i) in order.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            out.append(contentsOf: keys[i])
            out.append(UInt8(ascii: ","))
            append(entries[i].value, to: &out)
            out.append(UInt8(ascii: "]"))
        }
        appendASCII("]}", to: &out)
    }
}
