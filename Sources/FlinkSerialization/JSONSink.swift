import Bytes

/// Where a walk over an entry's bytes sends what it reads (`CanonicalEntryJSON.writeLine`, the one
/// walk of a keyed dump line): `JSONEmitter` writes the JSON text, `CheckOnlySink` writes nothing.
/// The walk reads, bounds and refuses the same bytes whatever its sink, so deep validation proves an
/// entry would render by walking it into a `CheckOnlySink`, without formatting a digit of it.
public protocol JSONSink: ~Copyable {
    mutating func byte(_ b: UInt8)
    mutating func write(_ bytes: UnsafeBufferPointer<UInt8>)
    mutating func write(_ s: StaticString)
    mutating func null()
    mutating func integer(_ v: Int64)
    /// False, with nothing written, when a byte is not ASCII (the walk then declines the entry).
    mutating func asciiString(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool
    /// A Flink `StringValue` read from `r` (`JSONEmitter.stringValue(from:)`).
    mutating func stringValue(from r: inout ByteReader) throws
    /// One value of `s` read from `r` (`TypeSerializer.appendJSON`).
    mutating func value(of s: any TypeSerializer, from r: inout ByteReader) throws
}

extension JSONEmitter: JSONSink {
    @inlinable @inline(__always)
    public mutating func value(of s: any TypeSerializer, from r: inout ByteReader) throws {
        try s.appendJSON(from: &r, to: &self)
    }
}

/// The sink that keeps nothing: what the walk reads is checked as rendering checks it (every
/// length, every byte a serializer reads, ASCII where the in-place path needs it), and no text is
/// made. Values read through a `ByteReader` go through the serializers' own JSON walk into a
/// scratch emitter, so they fail exactly where rendering fails.
@frozen
public struct CheckOnlySink: JSONSink {
    @inlinable public init() {}

    @inlinable @inline(__always) public mutating func byte(_ b: UInt8) {}
    @inlinable @inline(__always) public mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {}
    @inlinable @inline(__always) public mutating func write(_ s: StaticString) {}
    @inlinable @inline(__always) public mutating func null() {}
    @inlinable @inline(__always) public mutating func integer(_ v: Int64) {}

    /// `JSONEmitter.asciiString`'s test alone: every byte below 0x80 (escapes need no check).
    @inlinable @inline(__always)
    public mutating func asciiString(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var high: UInt8 = 0
        for b in bytes { high |= b }
        return high < 0x80
    }

    public mutating func stringValue(from r: inout ByteReader) throws {
        var scratch = JSONEmitter(capacity: 256)
        try scratch.stringValue(from: &r)
    }

    public mutating func value(of s: any TypeSerializer, from r: inout ByteReader) throws {
        var scratch = JSONEmitter(capacity: 256)
        try s.appendJSON(from: &r, to: &scratch)
    }
}
