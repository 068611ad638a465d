import Bytes

/// A restored Flink serializer: reads and writes one value in exactly the bytes Flink uses.
///
/// Serializers come from `SerializerSnapshot.restoreSerializer()`, the way Flink restores them from
/// the snapshot stored next to the state, so decoding never needs the job's classes.
public protocol TypeSerializer: Sendable {
    /// Flink's `TypeSerializer.getLength()`: the fixed byte length, or -1 when variable. (Used for Flink's
    /// composite-key "ambiguous key" rule; `VoidNamespaceSerializer` reports 0 although it writes one byte.)
    var flinkLength: Int { get }
    /// Reads one value. An opaque serializer (Kryo, unknown) takes ALL remaining bytes of the reader as `.raw`.
    func read(from r: inout ByteReader) throws -> Value
    /// Writes one value; decode → encode gives the same bytes.
    func write(_ value: Value, to w: inout ByteWriter) throws
    /// Java `hashCode()` of a value of this type, where Java defines it by value (String, boxed primitives,
    /// tuples, lists…); nil when it is an identity hash or user code (enums, POJOs, Kryo types).
    /// Flink assigns a key to its key group from this hash.
    func javaHashCode(of value: Value) -> Int32?
    /// True when a value's end cannot be found without the rest of the input: an opaque serializer
    /// (Kryo, Avro, unknown) takes everything left, so it is exact only where Flink frames the value
    /// by length (canonical keyed-state values, operator-state elements), never inside the heap
    /// backend's unframed layout. Composites report it when any nested serializer does. (A POJO
    /// subclass missing from its snapshot is also read to the end; that is not reported here.)
    var readsToEnd: Bool { get }
    /// Walks one value's bytes into `out`: exactly what `out.value(try read(from: &r))` writes, and
    /// it fails where `read` fails. `savepoint dump` renders millions of values; skipping the
    /// `Value` (its strings, arrays and boxes) is most of its speed. Serializers without a
    /// specialization read a `Value` first.
    func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws
}

extension TypeSerializer {
    public func javaHashCode(of value: Value) -> Int32? { nil }
    public var readsToEnd: Bool { false }

    public func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        out.value(try read(from: &r))
    }

    /// Decodes one value that must span `bytes` exactly (a key, a value of a key-value entry).
    public func decode(_ bytes: [UInt8]) throws -> Value {
        var r = ByteReader(bytes)
        let value = try read(from: &r)
        guard r.isAtEnd else {
            throw r.error("expected the end of the value, found \(r.remaining) more bytes")
        }
        return value
    }

    /// Encodes one value into a new byte array.
    public func encode(_ value: Value) throws -> [UInt8] {
        var w = ByteWriter()
        try write(value, to: &w)
        return w.bytes
    }
}

/// The error a writer throws when a value does not fit its serializer (a bug in the caller, not in input).
func mismatch(_ value: Value, expected: String, at w: ByteWriter) -> FormatError {
    FormatError(offset: w.count, "cannot write \(value.caseName) with a \(expected) serializer")
}

extension Value {
    /// A short name of the case, for error messages.
    public var caseName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .float: "a float"
        case .double: "a double"
        case .char: "a char"
        case .string, .utf16String: "a string"
        case .bytes: "a byte array"
        case .list: "a list"
        case .tuple: "a tuple"
        case .row: "a row"
        case .pojo(let c, _): "a POJO \(c)"
        case .enumConstant: "an enum constant"
        case .map: "a map"
        case .instant: "an instant"
        case .voidNamespace: "the void namespace"
        case .timeWindow: "a time window"
        case .globalWindow: "the global window"
        case .ttl: "a TTL value"
        case .timer: "a timer"
        case .raw: "raw bytes"
        case .kryo: "a Kryo value"
        }
    }
}
