import Bytes

/// A decoded state value, key, namespace or element: one model for every serializer.
///
/// Cases keep what is needed to re-encode the exact bytes Flink wrote (a `Row`'s kind, a POJO's
/// field order, a `Float` as a `Float`), so decode → encode is byte-identical.
/// Only the two directly recursive cases are `indirect`: boxing every value would cost an allocation
/// per decoded scalar on the dump hot path.
public enum Value: Sendable, Equatable {
    case null
    case bool(Bool)
    /// Byte, Short, Integer and Long values.
    case int(Int64)
    case float(Float)
    case double(Double)
    /// A Java `char` (one UTF-16 unit).
    case char(UInt16)
    case string(String)
    /// A Java `String` that is not well-formed UTF-16 (it holds an unpaired surrogate), as its UTF-16
    /// units: Swift strings cannot carry it, and the exact units matter for keys and round trips.
    /// Well-formed strings are always `.string`.
    case utf16String([UInt16])
    case bytes([UInt8])
    /// `List` values, primitive and object arrays, list state contents.
    case list([Value])
    /// `Tuple0` … `Tuple25` fields in order.
    case tuple([Value])
    /// A `Row`: its `RowKind` byte (nil when the serializer has no row kind) and its fields.
    case row(kind: UInt8?, fields: [Value])
    /// A POJO: fields in the order of the serializer snapshot.
    case pojo(className: String, fields: [PojoField])
    /// An enum constant by name (the ordinal is its index in the snapshot's constant list).
    case enumConstant(String)
    /// `Map` values and map state contents, in stored order.
    case map([MapEntry])
    /// `java.time.Instant`.
    case instant(seconds: Int64, nanos: Int32)
    case voidNamespace
    case timeWindow(start: Int64, end: Int64)
    case globalWindow
    /// A TTL-wrapped value: last-access timestamp (ms) and the user's value.
    indirect case ttl(timestamp: Int64, value: Value)
    /// A timer: timestamp (already un-flipped), key and namespace.
    indirect case timer(timestamp: Int64, key: Value, namespace: Value)
    /// Bytes of a serializer the toolkit does not decode (Kryo, unknown classes), kept verbatim.
    case raw([UInt8])
    /// A Kryo value: what it decodes to without the job's classes (`KryoDecoding`), shown by dump,
    /// and its exact bytes, written back unchanged.
    indirect case kryo(decoded: Value, bytes: [UInt8])
}

public struct PojoField: Sendable, Equatable {
    public var name: String
    public var value: Value
    public init(name: String, value: Value) {
        self.name = name
        self.value = value
    }
}

public struct MapEntry: Sendable, Equatable {
    public var key: Value
    public var value: Value
    public init(key: Value, value: Value) {
        self.key = key
        self.value = value
    }
}
