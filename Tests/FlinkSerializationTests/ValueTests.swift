import Bytes
import Testing
@testable import FlinkSerialization

/// Decodes with the serializer the snapshot restores, checks the value, and re-encodes to the same bytes.
func expectRoundTrip(_ snapshot: [UInt8], _ data: [UInt8], _ expected: Value,
                     sourceLocation: SourceLocation = #_sourceLocation) throws {
    let serializer = try readVersioned(snapshot).restoreSerializer()
    let value = try serializer.decode(data)
    #expect(value == expected, sourceLocation: sourceLocation)
    #expect(try serializer.encode(value) == data, sourceLocation: sourceLocation)
}

@Suite struct ValueTests {
    /// A `Tuple3<Integer, String, Double>` as Flink's `TupleSerializer` writes it (bytes from a heap
    /// savepoint).
    @Test func tuple3FromRealBytes() throws {
        let snapshot = FlinkBytes.composite(
            runtimePackage + "TupleSerializerSnapshot", outerVersion: 2,
            outer: FlinkBytes.utfBytes("org.apache.flink.api.java.tuple.Tuple3"),
            nested: [FlinkBytes.simple(intSnapshotClass), FlinkBytes.simple(stringSnapshotClass),
                     FlinkBytes.simple(doubleSnapshotClass)])
        try expectRoundTrip(snapshot, hex("00000031 04 743439 4038800000000000"),
                            .tuple([.int(49), .string("t49"), .double(24.5)]))
        let s = try readVersioned(snapshot).restoreSerializer()
        // Tuple3.hashCode = 31 * (31 * 49 + "t49".hashCode) + Double.hashCode(24.5)
        let d = Int64(bitPattern: 24.5.bitPattern)
        let expected = 31 &* (31 &* 49 &+ FlinkHashing.javaHashCode("t49")) &+ FlinkHashing.javaHashCode(d)
        #expect(s.javaHashCode(of: .tuple([.int(49), .string("t49"), .double(24.5)])) == expected)
    }

    static let rowSnapshot = FlinkBytes.composite(
        runtimePackage + "RowSerializer$RowSerializerSnapshot", outerVersion: 4, outer: [1],
        nested: [FlinkBytes.simple(intSnapshotClass), FlinkBytes.simple(stringSnapshotClass)])

    @Test func rowsFromRealBytes() throws {
        try expectRoundTrip(Self.rowSnapshot, hex("00 00000031 04 723439"),
                            .row(kind: 0, fields: [.int(49), .string("r49")]))
        try expectRoundTrip(Self.rowSnapshot, hex("10 0000002c"), .row(kind: 0, fields: [.int(44), .null]))
        // RowKind DELETE (3) sets both kind bits.
        try expectRoundTrip(Self.rowSnapshot, hex("c0 00000001 02 61"),
                            .row(kind: 3, fields: [.int(1), .string("a")]))
    }

    @Test func rowWithoutKindAndManyFields() throws {
        let nested = (0..<9).map { _ in FlinkBytes.simple(intSnapshotClass) }
        let snapshot = FlinkBytes.composite(runtimePackage + "RowSerializer$RowSerializerSnapshot",
                                            outerVersion: 2, nested: nested)
        // 9 fields, no kind bits: 2 mask bytes; field 0 and field 8 null.
        var fields = (0..<9).map { Value.int(Int64($0)) }
        fields[0] = .null
        fields[8] = .null
        let data = hex("80 80") + (1..<8).flatMap { i -> [UInt8] in [0, 0, 0, UInt8(i)] }
        try expectRoundTrip(snapshot, data, .row(kind: nil, fields: fields))
    }

    @Test func pojoFromRealBytes() throws {
        try expectRoundTrip(SnapshotTests.orderPojo(),
                            hex("02 | 00 00000002 | 00 00000031 | 00 04703439 | 00 3ff8000000000000"),
                            .pojo(className: "com.example.Order", fields: [
                                PojoField(name: "color", value: .enumConstant("BLUE")),
                                PojoField(name: "id", value: .int(49)),
                                PojoField(name: "name", value: .string("p49")),
                                PojoField(name: "score", value: .double(1.5)),
                            ]))
        try expectRoundTrip(SnapshotTests.orderPojo(), hex("01"), .null)
        try expectRoundTrip(SnapshotTests.orderPojo(), hex("02 01 00 00000007 01 01"),
                            .pojo(className: "com.example.Order", fields: [
                                PojoField(name: "color", value: .null), PojoField(name: "id", value: .int(7)),
                                PojoField(name: "name", value: .null), PojoField(name: "score", value: .null),
                            ]))
    }

    @Test func pojoSubclasses() throws {
        let sub = FlinkBytes.pojoSnapshot("com.example.Special",
                                          fields: [("level", FlinkBytes.simple(intSnapshotClass))])
        let snapshot = FlinkBytes.pojoSnapshot("com.example.Base",
                                               fields: [("id", FlinkBytes.simple(longSnapshotClass))],
                                               registered: [("com.example.Special", sub)])
        let special = Value.pojo(className: "com.example.Special",
                                 fields: [PojoField(name: "level", value: .int(3))])
        // Tagged subclass 0, then the subclass serializer's own bytes.
        try expectRoundTrip(snapshot, hex("08 00 02 00 00000003"), special)
        // A subclass named by class name that the snapshot does not know: kept raw to the end.
        let named = hex("04") + FlinkBytes.utfBytes("com.example.Other") + hex("0102")
        try expectRoundTrip(snapshot, named, .raw(named))
    }

    @Test func pojoNonRegisteredSubclassByName() throws {
        let sub = FlinkBytes.pojoSnapshot("com.example.Special",
                                          fields: [("level", FlinkBytes.simple(intSnapshotClass))])
        let snapshot = FlinkBytes.pojoSnapshot("com.example.Base",
                                               fields: [("id", FlinkBytes.simple(longSnapshotClass))],
                                               nonRegistered: [("com.example.Special", sub)])
        let data = hex("04") + FlinkBytes.utfBytes("com.example.Special") + hex("02 00 00000009")
        try expectRoundTrip(snapshot, data, .pojo(className: "com.example.Special",
                                                  fields: [PojoField(name: "level", value: .int(9))]))
    }

    @Test func eitherKeepsItsExactBytes() throws {
        let snapshot = FlinkBytes.composite(runtimePackage + "JavaEitherSerializerSnapshot", outerVersion: 1,
                                            nested: [FlinkBytes.simple(stringSnapshotClass),
                                                     FlinkBytes.simple(longSnapshotClass)])
        #expect(try readVersioned(snapshot).typeDescription == "Either<String, Long>")
        try expectRoundTrip(snapshot, hex("01 026c"), .raw(hex("01 026c")))
        try expectRoundTrip(snapshot, hex("00 0000000000000003"), .raw(hex("00 0000000000000003")))
        // Bytes after the value are not taken: the Either value is self-delimiting.
        let s = try readVersioned(snapshot).restoreSerializer()
        var r = ByteReader(hex("01 026c ff"))
        #expect(try s.read(from: &r) == .raw(hex("01 026c")))
        #expect(r.remaining == 1)
    }

    @Test func ttlValueFromRealBytes() throws {
        let snapshot = FlinkBytes.composite(
            "org.apache.flink.runtime.state.ttl.TtlStateFactory$TtlSerializerSnapshot", outerVersion: 2,
            nested: [FlinkBytes.simple(longSnapshotClass), FlinkBytes.simple(longSnapshotClass)])
        try expectRoundTrip(snapshot, hex("000001a212b6a2f2 0000000000000031"),
                            .ttl(timestamp: 0x01a2_12b6_a2f2, value: .int(49)))
        #expect(try readVersioned(snapshot).restoreSerializer().flinkLength == 16)
    }

    static let timerSnapshot = FlinkBytes.composite(
        "org.apache.flink.streaming.api.operators.TimerSerializerSnapshot", outerVersion: 2,
        nested: [FlinkBytes.simple(stringSnapshotClass), FlinkBytes.simple(voidNamespaceClass)])

    /// A processing-time timer at Long.MAX - 1001 for key "k736", as Flink's `TimerSerializer`
    /// writes it (timestamp with its sign bit flipped by `MathUtils.flipSignBit`, key, namespace).
    @Test func timerFromRealBytes() throws {
        try expectRoundTrip(Self.timerSnapshot, hex("fffffffffffffc16 05 6b373336 00"),
                            .timer(timestamp: Int64.max - 1001, key: .string("k736"), namespace: .voidNamespace))
    }

    /// A window timer (`TimerSerializer`): flipped timestamp = window end − 1, namespace = the window.
    @Test func windowTimerFromRealBytes() throws {
        let snapshot = FlinkBytes.composite(
            "org.apache.flink.streaming.api.operators.TimerSerializerSnapshot", outerVersion: 2,
            nested: [FlinkBytes.simple(stringSnapshotClass), FlinkBytes.simple(timeWindowClass)])
        try expectRoundTrip(snapshot, hex("800001a212caa47f 05 ac4175726f 000001a21293b600 000001a212caa480"),
                            .timer(timestamp: 0x01a2_12ca_a47f, key: .string("€uro"),
                                   namespace: .timeWindow(start: 0x01a2_1293_b600, end: 0x01a2_12ca_a480)))
    }

    @Test func listAndMapValues() throws {
        let list = FlinkBytes.composite(basePackage + "ListSerializerSnapshot", outerVersion: 1,
                                        nested: [FlinkBytes.simple(longSnapshotClass)])
        try expectRoundTrip(list, hex("00000002 0000000000000001 0000000000000002"), .list([.int(1), .int(2)]))
        let map = FlinkBytes.composite(basePackage + "MapSerializerSnapshot", outerVersion: 1,
                                       nested: [FlinkBytes.simple(stringSnapshotClass),
                                                FlinkBytes.simple(longSnapshotClass)])
        try expectRoundTrip(map, hex("00000002 03 6231 00 0000000000000007 03 6232 01"),
                            .map([MapEntry(key: .string("b1"), value: .int(7)),
                                  MapEntry(key: .string("b2"), value: .null)]))
        let set = FlinkBytes.composite(basePackage + "SetSerializerSnapshot", outerVersion: 1,
                                       nested: [FlinkBytes.simple(intSnapshotClass)])
        try expectRoundTrip(set, hex("00000002 00 00000005 01"), .list([.int(5), .null]))
        let array = FlinkBytes.composite(basePackage + "GenericArraySerializerSnapshot", outerVersion: 1,
                                         outer: FlinkBytes.utfBytes("java.lang.String"),
                                         nested: [FlinkBytes.simple(stringSnapshotClass)])
        try expectRoundTrip(array, hex("00000002 01 026b 00"), .list([.string("k"), .null]))
    }

    @Test func nullableWithPadding() throws {
        let snapshot = FlinkBytes.composite(runtimePackage + "NullableSerializer$NullableSerializerSnapshot",
                                            outerVersion: 2, outer: hex("00000008"),
                                            nested: [FlinkBytes.simple(longSnapshotClass)])
        try expectRoundTrip(snapshot, hex("01 0000000000000000"), .null)
        try expectRoundTrip(snapshot, hex("00 0000000000000009"), .int(9))
    }

    @Test func primitivesAndArrays() throws {
        let cases: [(String, String, Value)] = [
            ("BooleanSerializer$BooleanSerializerSnapshot", "01", .bool(true)),
            ("ByteSerializer$ByteSerializerSnapshot", "ff", .int(-1)),
            ("ShortSerializer$ShortSerializerSnapshot", "8000", .int(-32768)),
            ("IntSerializer$IntSerializerSnapshot", "7fffffff", .int(Int64(Int32.max))),
            ("LongSerializer$LongSerializerSnapshot", "8000000000000000", .int(Int64.min)),
            ("FloatSerializer$FloatSerializerSnapshot", "3fc00000", .float(1.5)),
            ("DoubleSerializer$DoubleSerializerSnapshot", "3ff8000000000000", .double(1.5)),
            ("CharSerializer$CharSerializerSnapshot", "20ac", .char(0x20AC)),
            ("VoidSerializer$VoidSerializerSnapshot", "00", .null),
            ("InstantSerializer$InstantSerializerSnapshot", "0000000065920080 0000007b",
             .instant(seconds: 0x6592_0080, nanos: 123)),
            ("InstantSerializer$InstantSerializerSnapshot", "8000000000000000 80000000", .null),
            ("DateSerializer$DateSerializerSnapshot", "000001a212b6a2f2", .int(0x01a2_12b6_a2f2)),
            ("BigIntSerializer$BigIntSerializerSnapshot", "00000002", .raw(hex("00000002"))),
            ("BigIntSerializer$BigIntSerializerSnapshot", "00000006 0100", .raw(hex("00000006 0100"))),
            ("BigDecSerializer$BigDecSerializerSnapshot", "00000005 7f 00000002", .raw(hex("00000005 7f 00000002"))),
            ("LocalDateSerializer$LocalDateSerializerSnapshot", "000007e8 01 02", .raw(hex("000007e8 01 02"))),
            ("BitmapSerializer$BitmapSerializerSnapshot", "00000002 abcd", .raw(hex("00000002 abcd"))),
            ("VariantSerializer$VariantSerializerSnapshot", "00000001 00000002 0c 0102",
             .raw(hex("00000001 00000002 0c 0102"))),
            ("array.BytePrimitiveArraySerializer$BytePrimitiveArraySerializerSnapshot", "00000003 010203",
             .bytes([1, 2, 3])),
            ("array.IntPrimitiveArraySerializer$IntPrimitiveArraySerializerSnapshot", "00000002 00000001 ffffffff",
             .list([.int(1), .int(-1)])),
            ("array.StringArraySerializer$StringArraySerializerSnapshot", "00000002 0261 00",
             .list([.string("a"), .null])),
            ("array.CharPrimitiveArraySerializer$CharPrimitiveArraySerializerSnapshot", "00000001 0041",
             .list([.char(0x41)])),
        ]
        for (cls, data, value) in cases {
            try expectRoundTrip(FlinkBytes.simple(basePackage + cls), hex(data), value)
        }
    }

    @Test func namespacesAndWindows() throws {
        try expectRoundTrip(FlinkBytes.simple(voidNamespaceClass), hex("00"), .voidNamespace)
        try expectRoundTrip(FlinkBytes.simple(timeWindowClass), hex("000001a21293b600 000001a212caa480"),
                            .timeWindow(start: 0x01a2_1293_b600, end: 0x01a2_12ca_a480))
        try expectRoundTrip(
            FlinkBytes.simple(
                "org.apache.flink.streaming.api.windowing.windows.GlobalWindow$Serializer$GlobalWindowSerializerSnapshot"),
            hex("00"), .globalWindow)
        try expectRoundTrip(FlinkBytes.simple(runtimePackage + "Tuple0SerializerSnapshot"), hex("2a"), .tuple([]))
        #expect(try readVersioned(FlinkBytes.simple(voidNamespaceClass)).restoreSerializer().flinkLength == 0)
        #expect(try readVersioned(FlinkBytes.simple(timeWindowClass)).restoreSerializer().flinkLength == 16)
    }

    /// Flink `StringValue` encodings (`StringValue.writeString`) verified against Java.
    @Test(arguments: [
        ("", "01"), ("a", "02 61"), ("x\u{0000}y", "04 78 00 79"), ("ü", "02 fc01"), ("€uro", "05 ac41 75726f"),
        ("😀", "03 bdb003 80bc03"), ("\u{07FF}\u{0800}\u{FFFF}", "04 ff0f 8010 ffff03"),
    ])
    func stringValueTable(text: String, encoded: String) throws {
        try expectRoundTrip(FlinkBytes.simple(stringSnapshotClass), hex(encoded), .string(text))
    }

    /// A Java string with an unpaired surrogate keeps its exact UTF-16 units (a Swift `String` cannot).
    @Test func loneSurrogateStringsAreExact() throws {
        // "a", U+D800 (unpaired), "b": length+1 = 4; D800 as LEB128 = 80 b0 03.
        let data = hex("04 61 80b003 62")
        try expectRoundTrip(FlinkBytes.simple(stringSnapshotClass), data, .utf16String([0x61, 0xD800, 0x62]))
        let expectedHash: Int32 = (0x61 * 31 + 0xD800) * 31 + 0x62
        #expect(StringSerializer().javaHashCode(of: .utf16String([0x61, 0xD800, 0x62])) == expectedHash)
        #expect(ValueJSON.text(.utf16String([0x61, 0xD800, 0x62])) == "\"a\\ud800b\"")
        #expect(ValueJSON.text(.utf16String([0xDC00, 0x22, 0xD83D, 0xDE00])) == "\"\\udc00\\\"😀\"")
    }

    @Test func stringNullAndHash() throws {
        try expectRoundTrip(FlinkBytes.simple(stringSnapshotClass), hex("00"), .null)
        // "k132" is in key group 0 of 128 (`KeyGroupRangeAssignment.assignToKeyGroup`).
        let code = try #require(StringSerializer().javaHashCode(of: .string("k132")))
        #expect(FlinkHashing.keyGroup(forHashCode: code, maxParallelism: 128) == 0)
        #expect(PrimitiveSerializer(.long).javaHashCode(of: .int(-1)) == 0)
        #expect(PrimitiveSerializer(.int).javaHashCode(of: .int(-1)) == -1)
        #expect(PrimitiveSerializer(.boolean).javaHashCode(of: .bool(true)) == 1231)
    }

    @Test func writerRejectsMismatchedValues() {
        #expect(throws: FormatError.self) { try PrimitiveSerializer(.int).encode(.int(1 << 40)) }
        #expect(throws: FormatError.self) { try PrimitiveSerializer(.long).encode(.string("x")) }
        #expect(throws: FormatError.self) {
            try EnumSerializer(enumClass: "E", constants: ["A"]).encode(.enumConstant("B"))
        }
    }
}
