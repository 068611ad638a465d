import Bytes

/// Flink's primitive array serializers (`BytePrimitiveArraySerializer` …, `StringArraySerializer`):
/// i32 length, then the elements. `byte[]` decodes to `.bytes`; the others to `.list`.
public struct PrimitiveArraySerializer: TypeSerializer {
    public enum Element: Sendable { case boolean, byte, short, int, long, float, double, char, string }

    public let element: Element
    public init(_ element: Element) { self.element = element }

    public var flinkLength: Int { -1 }

    /// The smallest encoding of one element, to bound a length read from the input.
    var minElementBytes: Int {
        switch element {
        case .boolean, .byte, .string: 1
        case .short, .char: 2
        case .int, .float: 4
        case .long, .double: 8
        }
    }

    var scalar: any TypeSerializer {
        switch element {
        case .boolean: PrimitiveSerializer(.boolean)
        case .byte: PrimitiveSerializer(.byte)
        case .short: PrimitiveSerializer(.short)
        case .int: PrimitiveSerializer(.int)
        case .long: PrimitiveSerializer(.long)
        case .float: PrimitiveSerializer(.float)
        case .double: PrimitiveSerializer(.double)
        case .char: PrimitiveSerializer(.char)
        case .string: StringSerializer()
        }
    }

    public func read(from r: inout ByteReader) throws -> Value {
        let count = try r.readCount("an array length")
        if element == .byte { return .bytes(try r.readBytes(count, what: "a byte array")) }
        let (total, overflow) = count.multipliedReportingOverflow(by: minElementBytes)
        try r.require(overflow ? Int.max : total, for: "an array of \(count) elements")
        let scalar = self.scalar
        var items = [Value]()
        items.reserveCapacity(count)
        for _ in 0..<count { items.append(try scalar.read(from: &r)) }
        return .list(items)
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        switch (element, value) {
        case (.byte, .bytes(let b)):
            w.writeCount(b.count)
            w.writeBytes(b)
        case (_, .list(let items)) where element != .byte:
            w.writeCount(items.count)
            let scalar = self.scalar
            for item in items { try scalar.write(item, to: &w) }
        default:
            throw mismatch(value, expected: "\(element)[]", at: w)
        }
    }
}
