import Bytes
import Testing
@testable import FlinkSerialization

/// `TypeSerializer.appendJSON` (bytes → JSON without a `Value`) must give exactly the text of
/// `JSONEmitter.value(read(...))`, consume the same bytes, and fail where `read` fails.
@Suite struct DirectJSONTests {
    /// Renders `bytes` both ways; returns the direct text after checking it equals the decoded one.
    @discardableResult
    func both(_ s: any TypeSerializer, _ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        var slowReader = ByteReader(bytes)
        var slow = JSONEmitter()
        slow.value(try s.read(from: &slowReader))
        var fastReader = ByteReader(bytes)
        var fast = JSONEmitter()
        fast.write("prefix:")
        try s.appendJSON(from: &fastReader, to: &fast)
        #expect(Array(fast.bytes.dropFirst(7)) == slow.bytes, sourceLocation: sourceLocation)
        #expect(fastReader.position == slowReader.position, sourceLocation: sourceLocation)
        return String(decoding: fast.bytes.dropFirst(7), as: UTF8.self)
    }

    func stringValue(_ units: [UInt16]) -> [UInt8] {
        var w = ByteWriter()
        w.writeStringValueUnits(units)
        return w.bytes
    }

    static let strings: [(units: [UInt16], json: String)] = [
        (Array("".utf16), #""""#),
        (Array("key-0054".utf16), #""key-0054""#),
        (Array("a\"b\\c\n\r\t\u{08}\u{0C}\u{01}\u{1F}\u{7F}".utf16), #""a\"b\\c\n\r\t\b\f\u0001\u001f\#u{7F}""#),
        (Array("é€ü".utf16), "\"é€ü\""),
        (Array("x😀y".utf16), "\"x😀y\""),  // a surrogate pair becomes one 4-byte UTF-8 scalar
        ([0xD800], #""\ud800""#),  // lone lead surrogate
        ([0x61, 0xDC00, 0x62], #""a\udc00b""#),  // lone trail surrogate
        ([0xDBFF, 0x41], #""\udbffA""#),  // lead surrogate not followed by a trail
        (Array("naïve \"q\"".utf16), "\"naïve \\\"q\\\"\""),
    ]

    @Test(arguments: strings)
    func stringsRenderLikeTheDecodedValue(units: [UInt16], json: String) throws {
        #expect(try both(StringSerializer(), stringValue(units)) == json)
    }

    @Test func nullStringIsNull() throws {
        #expect(try both(StringSerializer(), [0x00]) == "null")
    }

    @Test func longAndNonCanonicalStringEncodings() throws {
        // 300 ASCII characters: a two-byte length.
        let long = [UInt16](repeating: 0x7A, count: 300)
        #expect(try both(StringSerializer(), stringValue(long)) == "\"" + String(repeating: "z", count: 300) + "\"")
        // 'A' written as a two-byte varint (0xC1 0x00): not plain ASCII bytes, still the letter A.
        #expect(try both(StringSerializer(), [0x02, 0xC1, 0x00]) == #""A""#)
    }

    @Test func truncatedOrInvalidStringsFailBothWays() {
        for bytes: [UInt8] in [[], [0x05, 0x61], [0x02, 0xFF, 0xFF, 0xFF, 0x7F], [0x80]] {
            var a = ByteReader(bytes), b = ByteReader(bytes)
            var out = JSONEmitter()
            #expect(throws: FormatError.self) { try StringSerializer().read(from: &a) }
            #expect(throws: FormatError.self) { try StringSerializer().appendJSON(from: &b, to: &out) }
        }
    }

    @Test func integersIncludingExtremes() throws {
        for v in [Int64.min, Int64.min + 1, -1, 0, 7, 10, 4_102_444_854_000, Int64.max] {
            var w = ByteWriter(); w.writeI64(v)
            #expect(try both(PrimitiveSerializer(.long), w.bytes) == String(v))
        }
        for v in [Int32.min, -1, 0, Int32.max] {
            var w = ByteWriter(); w.writeI32(v)
            #expect(try both(PrimitiveSerializer(.int), w.bytes) == String(v))
        }
        for v in [Int16.min, 0, Int16.max] {
            var w = ByteWriter(); w.writeI16(v)
            #expect(try both(PrimitiveSerializer(.short), w.bytes) == String(v))
        }
        #expect(try both(PrimitiveSerializer(.byte), [0x80]) == "-128")
        #expect(try both(PrimitiveSerializer(.boolean), [0x01]) == "true")
        #expect(try both(PrimitiveSerializer(.boolean), [0x00]) == "false")
        #expect(try both(PrimitiveSerializer(.char), [0x00, 0x41]) == #""A""#)
        #expect(try both(PrimitiveSerializer(.char), [0xD8, 0x00]) == #""\ud800""#)
        #expect(try both(PrimitiveSerializer(.void), [0x00]) == "null")
        #expect(try both(PrimitiveSerializer(.nullValue), []) == "null")
        var millis = ByteWriter(); millis.writeI64(Int64.min)
        #expect(try both(PrimitiveSerializer(.epochMillis), millis.bytes) == "null")
    }

    @Test func floatingPointIncludingNonFinite() throws {
        let doubles: [(Double, String)] = [(.nan, #""NaN""#), (.infinity, #""Infinity""#), (-.infinity, #""-Infinity""#),
                                           (-0.0, "-0.0"), (0.1, "0.1"), (1.0, "1.0"), (24.5, "24.5")]
        for (d, text) in doubles {
            var w = ByteWriter(); w.writeF64(d)
            #expect(try both(PrimitiveSerializer(.double), w.bytes) == text)
        }
        let floats: [(Float, String)] = [(.nan, #""NaN""#), (-.infinity, #""-Infinity""#), (1.1, "1.1")]
        for (f, text) in floats {
            var w = ByteWriter(); w.writeF32(f)
            #expect(try both(PrimitiveSerializer(.float), w.bytes) == text)
        }
    }

    @Test func truncatedNumbersFailBothWays() {
        for kind: PrimitiveSerializer.Kind in [.long, .int, .short, .double, .float, .boolean, .char] {
            var a = ByteReader([0x01]), b = ByteReader([0x01])
            var out = JSONEmitter()
            let s = PrimitiveSerializer(kind)
            let slowFails = (try? s.read(from: &a)) == nil
            let fastFails = (try? s.appendJSON(from: &b, to: &out)) == nil
            #expect(slowFails == fastFails)
        }
    }

    @Test func compositesRenderLikeTheDecodedValue() throws {
        let string = StringSerializer(), long = PrimitiveSerializer(.long)
        // List<String> with two elements.
        var w = ByteWriter()
        w.writeCount(2); w.writeStringValue("a"); w.writeStringValue("é\"")
        #expect(try both(ListSerializer(element: string), w.bytes) == #"["a","é\""]"#)
        // A Set with a null element (flag true = null).
        w = ByteWriter()
        w.writeCount(2); w.writeBool(true); w.writeBool(false); w.writeI64(5)
        #expect(try both(ListSerializer(element: long, nullFlags: .trueMeansNull), w.bytes) == "[null,5]")
        // Map<String, Long>, stored out of order, one null value: sorted by key text.
        w = ByteWriter()
        w.writeCount(3)
        w.writeStringValue("b"); w.writeBool(false); w.writeI64(2)
        w.writeStringValue("a"); w.writeBool(true)
        w.writeStringValue("ab"); w.writeBool(false); w.writeI64(3)
        #expect(try both(MapSerializer(key: string, value: long), w.bytes) == #"{"$map":[["a",null],["ab",3],["b",2]]}"#)
        // Tuple2<Long, String>, Tuple0.
        w = ByteWriter(); w.writeI64(49); w.writeStringValue("t49")
        #expect(try both(TupleSerializer(tupleClass: "Tuple2", fields: [long, string]), w.bytes) == #"[49,"t49"]"#)
        #expect(try both(TupleSerializer(tupleClass: "Tuple0", fields: []), [42]) == "[]")
        // Row with a row kind and a null second field.
        w = ByteWriter(); w.writeU8(0b0001_0000); w.writeI64(44)
        #expect(try both(RowSerializer(fields: [long, string], supportsRowKind: true), w.bytes) == "[44,null]")
        // byte[] and a long[].
        w = ByteWriter(); w.writeCount(3); w.writeBytes([0x66, 0x6f, 0x6f])
        #expect(try both(PrimitiveArraySerializer(.byte), w.bytes) == #"{"$bytes":"Zm9v"}"#)
        w = ByteWriter(); w.writeCount(2); w.writeI64(-1); w.writeI64(2)
        #expect(try both(PrimitiveArraySerializer(.long), w.bytes) == "[-1,2]")
        // Windows, namespaces, timers, nullable, TTL, enum, opaque.
        w = ByteWriter(); w.writeI64(1); w.writeI64(2)
        #expect(try both(TimeWindowSerializer(), w.bytes) == #"{"start":1,"end":2}"#)
        #expect(try both(GlobalWindowSerializer(), [0]) == #""global""#)
        #expect(try both(VoidNamespaceSerializer(), [0]) == "null")
        w = ByteWriter(); w.writeU64(UInt64(9) ^ (1 << 63)); w.writeStringValue("k"); w.writeU8(0)
        #expect(try both(TimerSerializer(key: string, namespace: VoidNamespaceSerializer()), w.bytes)
                == #"{"timestamp":9,"key":"k","namespace":null}"#)
        #expect(try both(NullableSerializer(original: long, nullPaddingLength: 8), [1] + [UInt8](repeating: 0, count: 8)) == "null")
        w = ByteWriter(); w.writeBool(false); w.writeI64(7)
        #expect(try both(NullableSerializer(original: long, nullPaddingLength: 8), w.bytes) == "7")
        w = ByteWriter(); w.writeI64(1_700_000_000_000); w.writeStringValue("v")
        #expect(try both(TtlSerializer(user: string), w.bytes) == #""v""#)
        #expect(try both(EnumSerializer(enumClass: "Color", constants: ["RED", "BLUE"]), [0, 0, 0, 1]) == #""BLUE""#)
        #expect(try both(OpaqueSerializer(typeDescription: "Kryo X"), [0xff, 0xfe, 0xfd, 0xfc]) == #"{"$raw":"//79/A=="}"#)
    }

    @Test func pojosRenderFieldsInSnapshotOrder() throws {
        let pojo = PojoSerializer(className: "P", fieldNames: ["z", "a"],
                                  fieldSerializers: [PrimitiveSerializer(.long), StringSerializer()])
        var w = ByteWriter()
        w.writeU8(2); w.writeBool(false); w.writeI64(1); w.writeBool(true)
        #expect(try both(pojo, w.bytes) == #"{"z":1,"a":null}"#)
        #expect(try both(pojo, [1]) == "null")
        // A subclass the snapshot does not know: raw, through the decoding path.
        w = ByteWriter(); w.writeU8(4); try w.writeModifiedUTF8("Sub"); w.writeBytes([1, 2])
        #expect(try both(pojo, w.bytes) == #"{"$raw":"BAADU3ViAQI="}"#)
    }

    /// A serializer without a specialization still renders through the default (read, then render).
    @Test func defaultImplementationReadsAValue() throws {
        var w = ByteWriter(); w.writeI64(1_704_164_645); w.writeI32(123_000_000)
        #expect(try both(InstantSerializer(), w.bytes) == #""2024-01-02T03:04:05.123Z""#)
    }
}
