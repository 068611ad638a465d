import Bytes
import FlinkSerialization

/// Renders canonical raw entries of one keyed state straight into dump lines (dump schema v1),
/// without decoding a `KeyedStateEntry`: `{header,"key":…,"namespace":…[,"userKey":…],"value":…}`,
/// byte for byte what decoding the entry and printing it gives.
///
/// A class built once per state and stream: every entry of the state shares it. `init` returns nil
/// for what it does not render: TTL-wrapped values at the top (the dump prints their timestamp in a
/// field of its own) and states without the serializers the layout needs; those take the decoding path.
public final class CanonicalEntryJSON: @unchecked Sendable {
    /// Field names with their punctuation, for the decoding path's printer (`DumpLine`); the renderer
    /// writes the same text from static strings, and `FastDumpTests` holds both to the same bytes.
    public static let keyField = Array(#","key":"#.utf8)
    public static let namespaceField = Array(#","namespace":"#.utf8)
    public static let userKeyField = Array(#","userKey":"#.utf8)
    public static let valueField = Array(#","value":"#.utf8)

    enum Shape { case single, list, map, timer }

    let shape: Shape
    let stateName: String
    /// The line's start and `,"key":`, rendered once. Kept outside an array (and freed in
    /// `deinit`): appending an array retains and releases it, once per line. Never written after
    /// `init`, which is what makes the class `Sendable`.
    let prefix: UnsafeMutableBufferPointer<UInt8>
    /// The key and namespace serializers (of the timer for timers).
    let key: any TypeSerializer
    let namespace: any TypeSerializer
    let keyPath: DirectPath
    /// `.absent` when the state has no namespace serializer (printed as the void namespace).
    let namespacePath: DirectPath
    let ambiguousKey: Bool
    /// The value (single), list element or map user-value serializer.
    let value: any TypeSerializer
    let valuePath: DirectPath
    /// Map state only (a placeholder otherwise).
    let userKey: any TypeSerializer
    let userKeyPath: DirectPath
    /// Every serializer has a simple form (`withSimpleLine`).
    let simple: Bool

    /// `header` is `{"operator":…,"state":…,"kind":…` without a closing brace.
    public init?(schema: KeyedStateSchema, header: [UInt8]) {
        stateName = schema.metaInfo.name
        ambiguousKey = schema.ambiguousKey
        var key = schema.keySerializer
        var namespace = schema.namespaceSerializer
        var userKey: (any TypeSerializer)? = nil
        let value: any TypeSerializer
        switch schema.kind {
        case .timer:
            guard let timer = schema.stateSerializer as? TimerSerializer else { return nil }
            shape = .timer
            key = timer.key
            namespace = timer.namespace
            value = PrimitiveSerializer(.long)
        case .list:
            guard let element = schema.elementSerializer else { return nil }
            shape = .list
            value = element
        case .map:
            guard let u = schema.userKeySerializer, let element = schema.elementSerializer,
                  !Self.mayYieldTTL(element) else { return nil }
            shape = .map
            value = element
            userKey = u
        case .value, .reducing, .aggregating, .unknown:
            guard let state = schema.stateSerializer, !Self.mayYieldTTL(state) else { return nil }
            shape = .single
            value = state
        }
        self.key = key
        keyPath = DirectPath(key)
        self.namespace = namespace ?? VoidNamespaceSerializer()
        namespacePath = namespace.map(DirectPath.init) ?? .absent
        self.value = value
        valuePath = DirectPath(value)
        self.userKey = userKey ?? VoidNamespaceSerializer()
        userKeyPath = userKey.map(DirectPath.init) ?? .absent
        simple = Self.isSimple(shape: shape, key: keyPath, namespace: namespacePath, ambiguousKey: ambiguousKey,
                               value: valuePath, userKey: userKeyPath)
        let prefixBytes = header + Self.keyField
        prefix = .allocate(capacity: prefixBytes.count)
        _ = prefix.initialize(from: prefixBytes)
    }

    deinit { prefix.deallocate() }

    /// Whether a serializer may read a TTL value at its top level (`DumpLine` moves its timestamp
    /// into a field of its own, which a nested renderer cannot do).
    static func mayYieldTTL(_ s: any TypeSerializer) -> Bool {
        if s is TtlSerializer { return true }
        if let n = s as? NullableSerializer { return mayYieldTTL(n.original) }
        return false
    }

    /// Appends the line of one entry (without the newline). It reads `raw`'s readers in place and
    /// fails wherever `KeyedStateSchema.decodeCanonical` fails; on failure `out` may hold part of a
    /// line and the readers have moved: the caller resets both and takes the decoding path.
    public func append(_ raw: inout CanonicalKeyGroupBlock.RawEntry, to out: inout [UInt8]) throws {
        out.append(contentsOf: UnsafeBufferPointer(prefix))
        if shape == .timer { return try appendTimer(&raw.keyAfterPrefix, to: &out) }
        try appendKeyAndNamespace(&raw.keyAfterPrefix, to: &out)
        switch shape {
        case .list:
            Self.append(#","value":"#, to: &out)
            try appendDelimitedList(&raw.value, to: &out)
        case .map:
            Self.append(#","userKey":"#, to: &out)
            try userKeyPath.append(userKey, from: &raw.keyAfterPrefix, to: &out)
            Self.append(#","value":"#, to: &out)
            if try raw.value.readBool("a map value null flag") {
                Self.append("null", to: &out)
            } else {
                try appendWhole(&raw.value, to: &out)
            }
        case .single, .timer:
            Self.append(#","value":"#, to: &out)
            try appendWhole(&raw.value, to: &out)
        }
        guard raw.keyAfterPrefix.isAtEnd else {
            throw raw.keyAfterPrefix.error(
                "expected the end of the key of state '\(stateName)', \(raw.keyAfterPrefix.remaining) bytes remain")
        }
        out.append(UInt8(ascii: "}"))
    }

    @inline(__always)
    static func append(_ s: StaticString, to out: inout [UInt8]) {
        s.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    /// Key and namespace, skipping the length bytes Flink adds when both are variable-length.
    func appendKeyAndNamespace(_ r: inout ByteReader, to out: inout [UInt8]) throws {
        let keyStart = r.position
        try keyPath.append(key, from: &r, to: &out)
        if ambiguousKey { try KeyedStateSchema.skipVariableIntBytes(r.position - keyStart, &r) }
        if namespacePath == .voidNamespace, !ambiguousKey {
            // The commonest namespace: its one byte, and the field text in one piece.
            _ = try r.readU8("the void namespace byte")
            return Self.append(#","namespace":null"#, to: &out)
        }
        Self.append(#","namespace":"#, to: &out)
        let namespaceStart = r.position
        try namespacePath.append(namespace, from: &r, to: &out)
        if ambiguousKey, namespacePath != .absent {
            try KeyedStateSchema.skipVariableIntBytes(r.position - namespaceStart, &r)
        }
    }

    /// A timer lives in its key: timestamp, key, namespace; the dump's value is the timestamp.
    func appendTimer(_ r: inout ByteReader, to out: inout [UInt8]) throws {
        let timestamp = Int64(bitPattern: try r.readU64("a timer timestamp") ^ (UInt64(1) << 63))
        try keyPath.append(key, from: &r, to: &out)
        Self.append(#","namespace":"#, to: &out)
        try namespacePath.append(namespace, from: &r, to: &out)
        Self.append(#","value":"#, to: &out)
        ValueJSON.appendInteger(timestamp, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// List state: elements joined by the delimiter byte, rendered as a JSON array.
    func appendDelimitedList(_ r: inout ByteReader, to out: inout [UInt8]) throws {
        out.append(UInt8(ascii: "["))
        var first = true
        while !r.isAtEnd {
            if !first {
                let at = r.fileOffset
                let d = try r.readU8("a list delimiter")
                guard d == KeyedStateSchema.listDelimiter else {
                    throw FormatError(offset: at, "expected the list delimiter 0x2C, found 0x\(String(d, radix: 16))")
                }
                out.append(UInt8(ascii: ","))
            }
            first = false
            try valuePath.append(value, from: &r, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// One value that must fill the reader exactly.
    func appendWhole(_ r: inout ByteReader, to out: inout [UInt8]) throws {
        try valuePath.append(value, from: &r, to: &out)
        guard r.isAtEnd else {
            throw r.error("expected the end of a value of state '\(stateName)', \(r.remaining) bytes remain")
        }
    }
}

/// How the renderer calls one serializer: the commonest ones directly (no dynamic dispatch, no
/// existential copy), the rest through `TypeSerializer.appendJSON`.
enum DirectPath: Equatable {
    case string, long, voidNamespace, other
    /// No serializer: the void namespace, printed as `null` without reading a byte.
    case absent

    init(_ s: any TypeSerializer) {
        if s is StringSerializer {
            self = .string
        } else if let p = s as? PrimitiveSerializer, p.kind == .long {
            self = .long
        } else if s is VoidNamespaceSerializer {
            self = .voidNamespace
        } else {
            self = .other
        }
    }

    @inline(__always)
    func append(_ s: any TypeSerializer, from r: inout ByteReader, to out: inout [UInt8]) throws {
        switch self {
        case .string: try ValueJSON.appendStringValue(from: &r, to: &out)
        case .long: ValueJSON.appendInteger(try r.readI64(), to: &out)
        case .voidNamespace:
            _ = try r.readU8("the void namespace byte")
            CanonicalEntryJSON.append("null", to: &out)
        case .absent: CanonicalEntryJSON.append("null", to: &out)
        case .other: try s.appendJSON(from: &r, to: &out)
        }
    }
}
