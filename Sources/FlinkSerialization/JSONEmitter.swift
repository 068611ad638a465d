/// The JSON text of dump schema v1, written into one growable buffer: the one place that escapes
/// strings and formats numbers. Every way a value reaches a dump line drives it — the decoded
/// `Value` walk (`value(_:)`), the walk of a serializer over its bytes (`TypeSerializer.appendJSON`)
/// and the in-place walk of the commonest keyed entries (`CanonicalEntryJSON`) — so they cannot
/// drift apart.
///
/// Raw memory rather than an array: each piece reserves the most it can take, then writes through
/// a pointer, where an array append checks uniqueness and capacity per byte (`savepoint dump` writes
/// millions of lines). Non-copyable, so the buffer has one owner and is freed once.
public struct JSONEmitter: ~Copyable {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    /// Where the next byte goes, and the end of the buffer (pointers, not counts: one add less
    /// per piece).
    @usableFromInline var end: UnsafeMutablePointer<UInt8>
    @usableFromInline var limit: UnsafeMutablePointer<UInt8>
    /// False while `base` is the caller's memory (`init(borrowing:)`): not ours to free.
    @usableFromInline var owned: Bool

    /// Bytes written so far.
    public var count: Int { end - base }

    public init(capacity: Int = 4096) {
        base = .allocate(capacity: max(capacity, 64))
        end = base
        limit = base + max(capacity, 64)
        owned = true
    }

    /// Over memory the caller owns (which must outlive the emitter); it moves to a buffer of its
    /// own should it outgrow it.
    public init(borrowing buffer: UnsafeMutableBufferPointer<UInt8>) {
        base = buffer.baseAddress ?? .allocate(capacity: 1)
        end = base
        limit = base + (buffer.baseAddress == nil ? 1 : buffer.count)
        owned = buffer.baseAddress == nil
    }

    deinit { if owned { base.deallocate() } }

    /// Writes through an emitter on the stack and appends its text to `out`; nothing is appended
    /// when `body` throws.
    public static func append(to out: inout [UInt8], _ body: (inout JSONEmitter) throws -> Void) rethrows {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { buffer in
            var emitter = JSONEmitter(borrowing: buffer)
            try body(&emitter)
            emitter.withBytes { out.append(contentsOf: $0) }
        }
    }

    /// The text written so far.
    @inlinable
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base, count: count))
    }

    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    @inlinable @inline(__always)
    mutating func reserve(_ n: Int) {
        if limit - end < n { grow(n) }
    }

    @inline(never)
    @usableFromInline mutating func grow(_ n: Int) {
        let count = self.count
        let newCapacity = max((limit - base) * 2, count + n)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        if owned { base.deallocate() }
        base = newBase
        end = newBase + count
        limit = newBase + newCapacity
        owned = true
    }

    // MARK: verbatim text

    @inlinable @inline(__always)
    public mutating func byte(_ b: UInt8) {
        reserve(1)
        end.pointee = b
        end += 1
    }

    /// Bytes that are JSON text already (punctuation, field names, rendered pieces).
    @inlinable @inline(__always)
    public mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let from = bytes.baseAddress else { return }
        reserve(bytes.count)
        end.update(from: from, count: bytes.count)
        end += bytes.count
    }

    @inlinable @inline(__always)
    public mutating func write(_ s: StaticString) {
        write(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    public mutating func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { write($0) }
    }

    // MARK: scalars

    @inlinable @inline(__always)
    public mutating func null() { write("null") }

    public mutating func bool(_ b: Bool) { b ? write("true") : write("false") }

    /// Decimal digits of a 64-bit integer, without going through `String`.
    @inlinable @inline(__always)
    public mutating func integer(_ v: Int64) {
        reserve(20)
        if v < 0 {
            end.pointee = UInt8(ascii: "-")
            end += 1
        }
        var m = v.magnitude
        var digits = 1
        var probe = m
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        var at = end + digits
        end = at
        repeat {
            at -= 1
            at.pointee = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: m % 10)
            m /= 10
        } while m > 0
    }

    /// Swift's `description` is the shortest text that reads back to the same value, as Java's is;
    /// non-finite values have no JSON number, so they are strings.
    mutating func floatingPoint<F: BinaryFloatingPoint & CustomStringConvertible>(_ f: F) {
        if f.isNaN { return write("\"NaN\"") }
        if f.isInfinite { return f < 0 ? write("\"-Infinity\"") : write("\"Infinity\"") }
        var text = f.description
        text.withUTF8 { write($0) }
    }

    // MARK: strings

    /// A JSON string literal, escaped per RFC 8259 (quote, backslash and control characters).
    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { string(utf8: $0) }
    }

    /// UTF-8 text as a JSON string literal: runs that need no escape are copied whole.
    @usableFromInline
    mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        byte(UInt8(ascii: "\""))
        var runStart = 0
        for i in 0..<utf8.count where Self.needsEscape(utf8[i]) {
            write(UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
            escape(utf8[i])
            runStart = i + 1
        }
        write(UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        byte(UInt8(ascii: "\""))
    }

    /// Bytes that are ASCII characters (one byte each, equal to their UTF-8) as a JSON string;
    /// false, with nothing written, when one of them is not ASCII.
    @inlinable @inline(__always)
    public mutating func asciiString(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // One pass: a high bit (not ASCII) and anything JSON escapes.
        // Without branches, so that the loop vectorizes.
        var high: UInt8 = 0, escapes: UInt8 = 0
        for b in bytes {
            high |= b
            escapes |= (b < 0x20 ? 1 : 0) | (b == UInt8(ascii: "\"") ? 1 : 0) | (b == UInt8(ascii: "\\") ? 1 : 0)
        }
        guard high < 0x80 else { return false }
        guard escapes == 0 else {
            string(utf8: bytes)
            return true
        }
        reserve(bytes.count + 2)
        end[0] = UInt8(ascii: "\"")
        if let from = bytes.baseAddress { (end + 1).update(from: from, count: bytes.count) }
        end[1 + bytes.count] = UInt8(ascii: "\"")
        end += bytes.count + 2
        return true
    }

    /// UTF-16 units as a JSON string; an unpaired surrogate becomes a `\uXXXX` escape (as the
    /// oracle writes it), everything else is written as `string(_:)` writes it.
    mutating func utf16<C: Collection<UInt16>>(_ units: C) where C.Index == Int {
        byte(UInt8(ascii: "\""))
        var i = units.startIndex
        while i < units.endIndex {
            let u = units[i]
            if UTF16.isLeadSurrogate(u), i + 1 < units.endIndex, UTF16.isTrailSurrogate(units[i + 1]) {
                scalar(0x10000 + (UInt32(u) - 0xD800) << 10 + (UInt32(units[i + 1]) - 0xDC00))
                i += 2
                continue
            }
            if UTF16.isLeadSurrogate(u) || UTF16.isTrailSurrogate(u) {
                unicodeEscape(u)
            } else if u < 0x80, Self.needsEscape(UInt8(u)) {
                escape(UInt8(u))
            } else {
                scalar(UInt32(u))
            }
            i += 1
        }
        byte(UInt8(ascii: "\""))
    }

    /// UTF-8 of one scalar (the caller excludes lone surrogates).
    mutating func scalar(_ value: UInt32) {
        if let s = Unicode.Scalar(value), let bytes = UTF8.encode(s) {
            for b in bytes { byte(b) }
        }
    }

    @inlinable @inline(__always)
    static func needsEscape(_ b: UInt8) -> Bool {
        b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\")
    }

    /// The escape of one byte that `needsEscape`.
    mutating func escape(_ b: UInt8) {
        switch b {
        case UInt8(ascii: "\""): write("\\\"")
        case UInt8(ascii: "\\"): write("\\\\")
        case 0x0A: write("\\n")
        case 0x0D: write("\\r")
        case 0x09: write("\\t")
        case 0x08: write("\\b")
        case 0x0C: write("\\f")
        default: unicodeEscape(UInt16(b))
        }
    }

    static let hexDigits: StaticString = "0123456789abcdef"

    mutating func unicodeEscape(_ unit: UInt16) {
        write("\\u")
        reserve(4)
        for shift in stride(from: 12, through: 0, by: -4) {
            end.pointee = Self.hexDigits.utf8Start[Int(unit >> UInt16(shift) & 0xF)]
            end += 1
        }
    }

    // MARK: bytes

    /// `{"$bytes":"…"}` or `{"$raw":"…"}`: standard Base64 (RFC 4648, with padding) of `bytes`.
    mutating func tagged(_ prefix: StaticString, _ bytes: UnsafeRawBufferPointer) {
        write(prefix)
        base64(bytes)
        write("\"}")
    }

    mutating func tagged(_ prefix: StaticString, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { tagged(prefix, $0) }
    }

    static let base64Alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    mutating func base64(_ bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        reserve((n + 2) / 3 * 4)
        let a = Self.base64Alphabet.utf8Start
        var i = 0
        while i + 3 <= n {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            base64Quad(a[Int(v >> 18)], a[Int(v >> 12 & 63)], a[Int(v >> 6 & 63)], a[Int(v & 63)])
            i += 3
        }
        let pad = UInt8(ascii: "=")
        if n - i == 1 {
            let v = UInt32(bytes[i]) << 16
            base64Quad(a[Int(v >> 18)], a[Int(v >> 12 & 63)], pad, pad)
        } else if n - i == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            base64Quad(a[Int(v >> 18)], a[Int(v >> 12 & 63)], a[Int(v >> 6 & 63)], pad)
        }
    }

    /// Four Base64 characters into space `base64` reserved.
    @inline(__always)
    mutating func base64Quad(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        end[0] = a; end[1] = b; end[2] = c; end[3] = d
        end += 4
    }

    // MARK: composites

    /// `[e0,e1,…]`, `element` writing the i-th element.
    mutating func array(count n: Int, _ element: (Int, inout JSONEmitter) throws -> Void) rethrows {
        byte(UInt8(ascii: "["))
        for i in 0..<n {
            if i > 0 { byte(UInt8(ascii: ",")) }
            try element(i, &self)
        }
        byte(UInt8(ascii: "]"))
    }

    /// `{"$map":[[k,v],…]}` sorted by the JSON text of the keys, so equal maps print equal whatever
    /// their stored (hash) order. `entry` writes the i-th key, then its value, and returns where its
    /// value starts (`count` after the key); entries are written in order, then put in key order.
    mutating func sortedMap(count n: Int, _ entry: (Int, inout JSONEmitter) throws -> Int) rethrows {
        write("{\"$map\":[")
        let start = count
        var spans: [(key: Int, value: Int, end: Int)] = []
        spans.reserveCapacity(n)
        for i in 0..<n {
            let keyStart = count
            let valueStart = try entry(i, &self)
            spans.append((keyStart - start, valueStart - start, count - start))
        }
        let rendered = Array(UnsafeBufferPointer(start: base + start, count: count - start))
        end = base + start
        let order = spans.indices.sorted {
            rendered[spans[$0].key..<spans[$0].value].lexicographicallyPrecedes(rendered[spans[$1].key..<spans[$1].value])
        }
        rendered.withUnsafeBufferPointer { text in
            for (n, i) in order.enumerated() {
                if n > 0 { byte(UInt8(ascii: ",")) }
                byte(UInt8(ascii: "["))
                write(UnsafeBufferPointer(rebasing: text[spans[i].key..<spans[i].value]))
                byte(UInt8(ascii: ","))
                write(UnsafeBufferPointer(rebasing: text[spans[i].value..<spans[i].end]))
                byte(UInt8(ascii: "]"))
            }
        }
        write("]}")
    }

    /// `{"start":S,"end":E}`.
    mutating func timeWindow(start: Int64, end: Int64) {
        write("{\"start\":"); integer(start)
        write(",\"end\":"); integer(end)
        byte(UInt8(ascii: "}"))
    }
}
