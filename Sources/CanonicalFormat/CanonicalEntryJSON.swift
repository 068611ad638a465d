import Bytes
import FlinkSerialization

/// Renders canonical raw entries of one keyed state straight into dump lines (dump schema v1),
/// without decoding a `KeyedStateEntry`: `{header,"key":…,"namespace":…[,"userKey":…],"value":…}`,
/// byte for byte what decoding the entry and printing it gives (`KeyedStateEntry.writeLine`): both
/// write through one `JSONEmitter`, and this one walk of the line serves both readers of the
/// entry's bytes, `ByteReader` (every serializer, Flink's errors) and `RawCursor` (the commonest
/// serializers in place; see `withSimpleLine`).
///
/// A class built once per state and stream: every entry of the state shares it. `init` returns nil
/// for what it does not render: TTL-wrapped values at the top (the dump prints their timestamp in a
/// field of its own) and states without the serializers the layout needs; those take the decoding path.
public final class CanonicalEntryJSON: @unchecked Sendable {
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
        var prefixBytes = header
        prefixBytes.append(contentsOf: Self.bytes(DumpField.key))
        prefix = .allocate(capacity: prefixBytes.count)
        _ = prefix.initialize(from: prefixBytes)
    }

    deinit { prefix.deallocate() }

    /// Whether a serializer may read a TTL value at its top level (`KeyedStateEntry.writeLine` moves
    /// its timestamp into a field of its own, which a nested renderer cannot do).
    static func mayYieldTTL(_ s: any TypeSerializer) -> Bool {
        if s is TtlSerializer { return true }
        if let n = s as? NullableSerializer { return mayYieldTTL(n.original) }
        return false
    }

    static func bytes(_ s: StaticString) -> [UInt8] {
        Array(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Appends the line of one entry (without the newline). It reads `raw`'s readers in place and
    /// fails wherever `KeyedStateSchema.decodeCanonical` fails; on failure `out` may hold part of a
    /// line and the readers have moved: the caller resets both and takes the decoding path.
    public func append(_ raw: inout CanonicalKeyGroupBlock.RawEntry, to out: inout JSONEmitter) throws {
        try writeLine(key: &raw.keyAfterPrefix, value: &raw.value, to: &out)
    }

    /// `append` into an array: nothing is appended when the entry fails.
    public func append(_ raw: inout CanonicalKeyGroupBlock.RawEntry, to out: inout [UInt8]) throws {
        try JSONEmitter.append(to: &out) { try append(&raw, to: &$0) }
    }

    /// The line of one entry from its key (after the key-group prefix) and value bytes, into `out`
    /// (a `JSONEmitter`, or a `CheckOnlySink` that only checks the entry renders).
    func writeLine<R: EntryBytesReader, S: JSONSink & ~Copyable>(key k: inout R, value v: inout R, to out: inout S) throws {
        out.write(UnsafeBufferPointer(prefix))
        if shape == .timer { return try writeTimer(&k, to: &out) }
        try writeKeyAndNamespace(&k, to: &out)
        switch shape {
        case .list:
            out.write(#","value":["#)
            try writeDelimitedList(&v, to: &out)
        case .map:
            out.write(DumpField.userKey)
            try k.field(userKeyPath, userKey, to: &out)
            out.write(DumpField.value)
            if try v.readBool("a map value null flag") {
                out.null()
            } else {
                try writeWhole(&v, to: &out)
            }
        case .single, .timer:
            out.write(DumpField.value)
            try writeWhole(&v, to: &out)
        }
        guard k.isAtEnd else {
            throw k.entryError("expected the end of the key of state '\(stateName)', \(k.remaining) bytes remain", at: nil)
        }
        out.byte(UInt8(ascii: "}"))
    }

    /// Key and namespace, skipping the length bytes Flink adds when both are variable-length.
    @inline(__always)
    func writeKeyAndNamespace<R: EntryBytesReader, S: JSONSink & ~Copyable>(_ r: inout R, to out: inout S) throws {
        let keyStart = r.index
        try r.field(keyPath, key, to: &out)
        if ambiguousKey { try r.skipVariableIntBytes(r.index - keyStart) }
        if namespacePath == .voidNamespace, !ambiguousKey {
            // The commonest namespace: its one byte, and the field text in one piece.
            _ = try r.readU8("the void namespace byte")
            return out.write(#","namespace":null"#)
        }
        out.write(DumpField.namespace)
        let namespaceStart = r.index
        try r.field(namespacePath, namespace, to: &out)
        if ambiguousKey, namespacePath != .absent { try r.skipVariableIntBytes(r.index - namespaceStart) }
    }

    /// A timer lives in its key: timestamp, key, namespace; the dump's value is the timestamp.
    @inline(__always)
    func writeTimer<R: EntryBytesReader, S: JSONSink & ~Copyable>(_ r: inout R, to out: inout S) throws {
        let timestamp = Int64(bitPattern: try r.readU64("a timer timestamp") ^ TimerSerializer.signBit)
        try r.field(keyPath, key, to: &out)
        out.write(DumpField.namespace)
        try r.field(namespacePath, namespace, to: &out)
        out.write(DumpField.value)
        out.integer(timestamp)
        out.byte(UInt8(ascii: "}"))
    }

    /// List state: elements joined by the delimiter byte, rendered as a JSON array (after its `[`).
    @inline(__always)
    func writeDelimitedList<R: EntryBytesReader, S: JSONSink & ~Copyable>(_ r: inout R, to out: inout S) throws {
        var first = true
        while !r.isAtEnd {
            if !first {
                let at = r.index
                let d = try r.readU8("a list delimiter")
                guard d == KeyedStateSchema.listDelimiter else {
                    throw r.entryError("expected the list delimiter 0x2C, found 0x\(String(d, radix: 16))", at: at)
                }
                out.byte(UInt8(ascii: ","))
            }
            first = false
            try r.field(valuePath, value, to: &out)
        }
        out.byte(UInt8(ascii: "]"))
    }

    /// One value that must fill the reader exactly.
    @inline(__always)
    func writeWhole<R: EntryBytesReader, S: JSONSink & ~Copyable>(_ r: inout R, to out: inout S) throws {
        try r.field(valuePath, value, to: &out)
        guard r.isAtEnd else {
            throw r.entryError("expected the end of a value of state '\(stateName)', \(r.remaining) bytes remain", at: nil)
        }
    }
}

/// The field names of a keyed dump line with their punctuation, for both ways of writing one
/// (`CanonicalEntryJSON`, `KeyedStateEntry.writeLine`).
/// (Computed: a literal in place, where a stored static is checked for its one-time initialisation
/// at every use.)
public enum DumpField {
    public static var key: StaticString { #","key":"# }
    public static var namespace: StaticString { #","namespace":"# }
    public static var userKey: StaticString { #","userKey":"# }
    public static var value: StaticString { #","value":"# }
    public static var ttlTimestamp: StaticString { #","ttlTimestamp":"# }
}

extension KeyedStateEntry {
    /// The dump line of a decoded entry (without the newline); `header` as for `CanonicalEntryJSON`.
    /// A TTL value prints as the user's value, with its timestamp beside it.
    public func writeLine(header: [UInt8], to out: inout JSONEmitter) {
        out.write(header)
        out.write(DumpField.key)
        out.value(key)
        out.write(DumpField.namespace)
        out.value(namespace)
        if let userKey {
            out.write(DumpField.userKey)
            out.value(userKey)
        }
        out.write(DumpField.value)
        out.value(value)
        if case let .ttl(timestamp, _) = value {
            out.write(DumpField.ttlTimestamp)
            out.integer(timestamp)
        }
        out.byte(UInt8(ascii: "}"))
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
}

/// What the line's walk reads an entry's bytes with.
protocol EntryBytesReader {
    var index: Int { get }
    var isAtEnd: Bool { get }
    var remaining: Int { get }
    mutating func readU8(_ what: StaticString) throws -> UInt8
    mutating func readBool(_ what: StaticString) throws -> Bool
    mutating func readU64(_ what: StaticString) throws -> UInt64
    /// One value of `s` (whose path is `path`) into `out`.
    mutating func field<S: JSONSink & ~Copyable>(_ path: DirectPath, _ s: any TypeSerializer, to out: inout S) throws
    /// `CompositeKeySerializationUtils.writeVariableIntBytes` of `length`: skipped.
    mutating func skipVariableIntBytes(_ length: Int) throws
    /// The error at `index` (nil: here).
    func entryError(_ message: String, at index: Int?) -> any Error
}

extension ByteReader: EntryBytesReader {
    @inline(__always)
    mutating func field<S: JSONSink & ~Copyable>(_ path: DirectPath, _ s: any TypeSerializer, to out: inout S) throws {
        switch path {
        case .string: try out.stringValue(from: &self)
        case .long: out.integer(try readI64())
        case .voidNamespace:
            _ = try readU8("the void namespace byte")
            out.null()
        case .absent: out.null()
        case .other: try out.value(of: s, from: &self)
        }
    }

    mutating func skipVariableIntBytes(_ length: Int) throws {
        try KeyedStateSchema.skipVariableIntBytes(length, &self)
    }

    func entryError(_ message: String, at index: Int?) -> any Error {
        error(message, at: index)
    }
}
