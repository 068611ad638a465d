/// Dump schema v1 of a decoded `Value`: the walk of the value tree that drives `JSONEmitter`, the
/// same emitter the serializers drive straight from their bytes (`TypeSerializer.appendJSON`).
///
/// Mapping: integers as JSON integers; `Double`/`Float` as their shortest round-trip text (NaN and
/// infinities as the strings "NaN", "Infinity", "-Infinity"); `byte[]` → `{"$bytes":"<base64>"}`;
/// Tuple and Row → arrays of fields (the row kind is not shown); POJO → object in snapshot field
/// order; enum → constant name; List → array; Map → `{"$map":[[k,v],…]}` sorted by the JSON text of
/// k; VoidNamespace → null; TimeWindow → `{"start":S,"end":E}`; GlobalWindow → "global";
/// raw → `{"$raw":"<base64>"}`; Kryo → what it decodes to (`KryoDecoding`), or
/// `{"$kryo":"<class>","$raw":"<base64>"}`; TTL → the user's value only; Char → a one-character string;
/// Instant → Java's `Instant.toString()` text ("2024-01-02T03:04:05.123Z") for years 0–9999, else
/// `{"epochSecond":S,"nano":N}`; a timer → `{"timestamp":T,"key":K,"namespace":N}`.
extension JSONEmitter {
    public mutating func value(_ v: Value) {
        switch v {
        case .null, .voidNamespace: null()
        case .bool(let b): bool(b)
        case .int(let i): integer(i)
        case .float(let f): floatingPoint(f)
        case .double(let d): floatingPoint(d)
        case .char(let c): utf16(CollectionOfOne(c))
        case .string(let s): string(s)
        case .utf16String(let units): utf16(units)
        case .bytes(let b): tagged("{\"$bytes\":\"", b)
        case .raw(let b): tagged("{\"$raw\":\"", b)
        case .kryo(let decoded, _): value(decoded)
        case .list(let items), .tuple(let items), .row(_, let items):
            array(count: items.count) { i, out in out.value(items[i]) }
        case .pojo(_, let fields):
            byte(UInt8(ascii: "{"))
            for (i, f) in fields.enumerated() {
                if i > 0 { byte(UInt8(ascii: ",")) }
                field(f.name)
                value(f.value)
            }
            byte(UInt8(ascii: "}"))
        case .enumConstant(let name): string(name)
        case .map(let entries):
            sortedMap(count: entries.count) { i, out in
                out.value(entries[i].key)
                let valueStart = out.count
                out.value(entries[i].value)
                return valueStart
            }
        case .instant(let s, let n): instant(seconds: s, nanos: n)
        case .timeWindow(let s, let e): timeWindow(start: s, end: e)
        case .globalWindow: write("\"global\"")
        case .ttl(_, let v): value(v)
        case .timer(let t, let k, let n):
            write("{\"timestamp\":"); integer(t)
            write(",\"key\":"); value(k)
            write(",\"namespace\":"); value(n)
            byte(UInt8(ascii: "}"))
        }
    }

    /// `"name":` of an object's field.
    mutating func field(_ name: String) {
        string(name)
        byte(UInt8(ascii: ":"))
    }
}

public enum ValueJSON {
    /// The JSON text of one value, for tests and messages.
    public static func text(_ v: Value) -> String {
        var out = JSONEmitter(capacity: 64)
        out.value(v)
        return out.withBytes { String(decoding: $0, as: UTF8.self) }
    }
}
