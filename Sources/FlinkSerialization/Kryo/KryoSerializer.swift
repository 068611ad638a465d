import Bytes

/// Kryo decoding without the job's classes, for dump and for `upgrade`.
///
/// `decode` reads one value as Flink's `KryoSerializer` wrote it (`kryo.writeClassAndObject`, see
/// `KryoDecoder`) and returns ordinary values: a list or set as `.list` (in stored order), a map as
/// `.map`, boxed numbers as `.int` / `.float` / `.double`, `char` as `.char`, strings as `.string`,
/// `byte[]` as `.bytes`, `BigInteger` / `BigDecimal` / `UUID` as their Java text (`.string`), `Date` as
/// epoch milliseconds. A class it cannot read (a user class
/// written field by field, an enum by ordinal, a class with its own serializer) makes the whole value
/// `undecodable(className:bytes:)` over the rest of the input.
public enum KryoDecoding {
    public static func decode(
        _ r: inout ByteReader, encoding: KryoEncoding, registrations: KryoRegistrations
    ) throws -> Value {
        let start = r.index
        do {
            var references: [Int: Value] = [:]
            return try decodeObject(&r, encoding: encoding, registrations: registrations).value(references: &references)
        } catch let stop as KryoDecoder.Undecodable {
            try r.seek(to: start - r.start)
            let bytes = try r.readBytes(r.remaining, what: "a Kryo value")
            return undecodable(className: stop.className, bytes: bytes)
        }
    }

    /// The value's objects with their classes and references (what `KryoWriter` writes in the other
    /// encoding); throws `KryoDecoding.Undecodable` at a class the toolkit cannot read.
    public static func decodeObject(
        _ r: inout ByteReader, encoding: KryoEncoding, registrations: KryoRegistrations
    ) throws -> KryoObject {
        var decoder = KryoDecoder(encoding: encoding, registrations: registrations, inputSize: r.remaining)
        return try decoder.readClassAndObject(&r)
    }

    /// A class without a default serializer the toolkit knows, where decoding stopped.
    public typealias Undecodable = KryoDecoder.Undecodable

    /// `{"$kryo": className, "$raw": base64}` as a value: an object of those two fields (it renders as
    /// that JSON; `isUndecodable` tells it apart from a POJO).
    public static func undecodable(className: String, bytes: [UInt8]) -> Value {
        var text = JSONEmitter(capacity: bytes.count / 3 * 4 + 8)
        bytes.withUnsafeBytes { text.base64($0) }
        let base64 = text.withBytes { String(decoding: $0, as: UTF8.self) }
        return .pojo(className: undecodableTag, fields: [
            PojoField(name: "$kryo", value: .string(className)), PojoField(name: "$raw", value: .string(base64)),
        ])
    }

    static let undecodableTag = "$kryo"

    public static func isUndecodable(_ v: Value) -> Bool {
        if case .pojo(undecodableTag, _) = v { return true }
        return false
    }
}

/// Flink's `KryoSerializer` restored from its snapshot: `read` gives what a value decodes to
/// (`KryoDecoding`) with its exact bytes (`.kryo`), which `write` writes back unchanged.
///
/// A value's end is known where it decodes; where it does not, the value takes the rest of the input,
/// as an opaque serializer does (exact wherever Flink frames values, hence `readsToEnd`).
/// The encoding comes from the savepoint (`KryoEncoding(metadataVersion:)`) where the caller knows it;
/// without it (`nil`) it is inferred per value: a snapshot typed `java.util.List`, `Map`, `Set` or
/// `Collection` is a POJO field only Flink 1.x gives to Kryo (2.x has its own serializers for them,
/// FLINK-34037); otherwise both encodings are tried, preferring one that decodes the whole input, then
/// Kryo 5, then Kryo 2.24.
public struct KryoSerializer: TypeSerializer {
    public let typeClassName: String
    public let registrations: KryoRegistrations
    public let encoding: KryoEncoding?

    public init(typeClassName: String, registrations: KryoRegistrations, encoding: KryoEncoding? = nil) {
        self.typeClassName = typeClassName
        self.registrations = registrations
        self.encoding = encoding
    }

    public init(snapshot: KryoSnapshot, encoding: KryoEncoding? = nil) {
        self.init(typeClassName: snapshot.typeClassName, registrations: KryoRegistrations(snapshot: snapshot),
                  encoding: encoding)
    }

    public var readsToEnd: Bool { true }
    public var flinkLength: Int { -1 }

    public func read(from r: inout ByteReader) throws -> Value {
        let start = r.index
        let decoded = try decodeValue(from: &r)
        let end = r.index
        try r.seek(to: start - r.start)
        return .kryo(decoded: decoded, bytes: try r.readBytes(end - start, what: "a Kryo value"))
    }

    /// Writes the bytes a value was read from (`.kryo`, or `.raw` as opaque serializers keep them).
    public func write(_ value: Value, to w: inout ByteWriter) throws {
        switch value {
        case .kryo(_, let bytes), .raw(let bytes): w.writeBytes(bytes)
        default: throw mismatch(value, expected: "Kryo \(typeClassName)", at: w)
        }
    }

    public func appendJSON(from r: inout ByteReader, to out: inout JSONEmitter) throws {
        out.value(try decodeValue(from: &r))
    }

    static let interfaceTypes: Set<String> = ["java.util.List", "java.util.Map", "java.util.Set", "java.util.Collection"]

    /// The encodings to try, most likely first.
    public var candidates: [KryoEncoding] {
        if let encoding { return [encoding] }
        if Self.interfaceTypes.contains(typeClassName) { return [.kryo2] }
        return [.kryo5, .kryo2]
    }

    /// The decoded value, leaving `r` after it; a value that decodes in no candidate encoding is
    /// `{"$kryo": type class, "$raw": …}` over the rest of the input.
    public func decodeValue(from r: inout ByteReader) throws -> Value {
        var results: [(value: Value, reader: ByteReader)] = []
        for e in candidates {
            var attempt = r
            if let v = try? KryoDecoding.decode(&attempt, encoding: e, registrations: registrations) {
                results.append((v, attempt))
            }
        }
        let decoded = results.filter { !KryoDecoding.isUndecodable($0.value) }
        if let pick = decoded.first(where: { $0.reader.isAtEnd }) ?? decoded.first ?? results.first {
            r = pick.reader
            return pick.value
        }
        let bytes = try r.readBytes(r.remaining, what: "a Kryo value")
        return KryoDecoding.undecodable(className: typeClassName, bytes: bytes)
    }
}

extension Value {
    /// Whether some part of the value was read to the end of its input (an opaque `.raw`, a Kryo value
    /// that did not decode), so its end is not known from the bytes.
    public var tookRestOfInput: Bool {
        switch self {
        case .raw: true
        case .kryo(let decoded, _): KryoDecoding.isUndecodable(decoded)
        case .list(let items), .tuple(let items), .row(_, let items): items.contains { $0.tookRestOfInput }
        case .pojo(_, let fields): fields.contains { $0.value.tookRestOfInput }
        case .map(let entries): entries.contains { $0.key.tookRestOfInput || $0.value.tookRestOfInput }
        case .ttl(_, let v): v.tookRestOfInput
        default: false
        }
    }
}
