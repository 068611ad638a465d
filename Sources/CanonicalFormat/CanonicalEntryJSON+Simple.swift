import Bytes
import FlinkSerialization

/// The commonest entries — String or Long keys, the void namespace, String or Long values, list
/// elements, map user keys and values, timers — read with plain pointer reads (`RawCursor`) into an
/// emitter on the stack: no serializer call, no `ByteReader`. Anything else about the entry
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
        // 20 digits; the field names and brackets are constant. (More grows the emitter.)
        let bound = prefix.count + 96 + 6 * (key.count + value.count)
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bound) { buffer in
            var out = JSONEmitter(borrowing: buffer)
            var k = RawCursor(base: kb, index: 0, end: key.count)
            var v = RawCursor(base: vb, index: 0, end: value.count)
            do {
                try writeLine(key: &k, value: &v, to: &out)
            } catch {
                return false
            }
            try out.withBytes(body)
            return true
        }
    }

    /// Whether the entry is simple and its line would render (`withSimpleLine` would call its body):
    /// the same walk into a `CheckOnlySink`, which formats nothing. Deep validation's check of
    /// an entry in place.
    public func rendersSimply(key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard simple, let kb = key.baseAddress, let vb = value.baseAddress else { return false }
        var out = CheckOnlySink()
        var k = RawCursor(base: kb, index: 0, end: key.count)
        var v = RawCursor(base: vb, index: 0, end: value.count)
        return (try? writeLine(key: &k, value: &v, to: &out)) != nil
    }
}

/// Reads over bytes in place, bounded by `end`, for the serializers `isSimple` admits; throws
/// `Decline` wherever `ByteReader` would throw and for anything it does not read.
struct RawCursor: EntryBytesReader {
    let base: UnsafePointer<UInt8>
    var index: Int
    let end: Int

    struct Decline: Error {}

    var isAtEnd: Bool { index >= end }
    var remaining: Int { end - index }

    @inline(__always)
    mutating func readU8(_ what: StaticString) throws -> UInt8 {
        guard index < end else { throw Decline() }
        defer { index += 1 }
        return base[index]
    }

    @inline(__always)
    mutating func readBool(_ what: StaticString) throws -> Bool { try readU8(what) != 0 }

    @inline(__always)
    mutating func readU64(_ what: StaticString) throws -> UInt64 {
        guard end - index >= 8 else { throw Decline() }
        let bits = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
        index += 8
        return UInt64(bigEndian: bits)
    }

    @inline(__always)
    mutating func field<S: JSONSink & ~Copyable>(_ path: DirectPath, _ s: any TypeSerializer, to out: inout S) throws {
        switch path {
        case .long: out.integer(Int64(bitPattern: try readU64("a 64-bit integer")))
        case .string: try asciiStringValue(to: &out)
        case .voidNamespace:
            _ = try readU8("the void namespace byte")
            out.null()
        case .absent: out.null()
        case .other: throw Decline()
        }
    }

    /// A `StringValue` whose characters are all ASCII; declines anything else (non-ASCII, a
    /// malformed length).
    @inline(__always)
    mutating func asciiStringValue<S: JSONSink & ~Copyable>(to out: inout S) throws {
        guard let lengthPlusOne = LEB128.uint32(base, at: &index, end: end) else { throw Decline() }
        if lengthPlusOne == 0 { return out.null() }
        let count = Int(lengthPlusOne) - 1
        guard count <= end - index, out.asciiString(UnsafeBufferPointer(start: base + index, count: count)) else {
            throw Decline()
        }
        index += count
    }

    mutating func skipVariableIntBytes(_ length: Int) throws { throw Decline() }

    func entryError(_ message: String, at index: Int?) -> any Error { Decline() }
}
