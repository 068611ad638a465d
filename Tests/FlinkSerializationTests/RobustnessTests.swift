import Bytes
import Testing
@testable import FlinkSerialization

/// Cut and corrupted input must give a `FormatError`, never a crash or a huge allocation.
@Suite struct RobustnessTests {
    static var snapshots: [[UInt8]] {
        [
            FlinkBytes.topLevel(SnapshotTests.orderPojo()),
            FlinkBytes.topLevel(ValueTests.rowSnapshot),
            FlinkBytes.topLevel(ValueTests.timerSnapshot),
            FlinkBytes.topLevel(FlinkBytes.enumSnapshot("E", ["A", "B"])),
        ]
    }

    @Test func everyTruncatedSnapshotFails() {
        for bytes in Self.snapshots {
            for cut in 0..<bytes.count {
                var r = ByteReader(Array(bytes[0..<cut]))
                #expect(throws: FormatError.self) { try SerializerSnapshot.readTopLevel(from: &r) }
            }
        }
    }

    /// Flipping any byte either fails cleanly or still parses; what parses writes back to bytes that
    /// read as the same snapshot (a flipped boolean such as `fe` is written back as `01`).
    @Test func everyCorruptedSnapshotFailsOrRoundTrips() throws {
        for bytes in Self.snapshots {
            for i in 0..<bytes.count {
                for flip: UInt8 in [0xFF, 0x80, 0x01] {
                    var corrupt = bytes
                    corrupt[i] ^= flip
                    var r = ByteReader(corrupt)
                    guard let s = try? SerializerSnapshot.readTopLevel(from: &r) else { continue }
                    var w = ByteWriter()
                    try s.writeTopLevel(to: &w)
                    var again = ByteReader(w.bytes)
                    #expect(try SerializerSnapshot.readTopLevel(from: &again) == s)
                }
            }
        }
    }

    @Test func everyTruncatedValueFails() throws {
        let cases: [([UInt8], [UInt8])] = [
            (SnapshotTests.orderPojo(), hex("02 00 00000002 00 00000031 00 04703439 00 3ff8000000000000")),
            (ValueTests.rowSnapshot, hex("00 00000031 04 723439")),
            (ValueTests.timerSnapshot, hex("fffffffffffffc16 05 6b373336 00")),
            (FlinkBytes.simple(stringSnapshotClass), hex("05 ac41 75726f")),
            (FlinkBytes.simple(basePackage + "BigDecSerializer$BigDecSerializerSnapshot"), hex("00000005 7f 00000002")),
        ]
        for (snapshot, data) in cases {
            let serializer = try readVersioned(snapshot).restoreSerializer()
            for cut in 0..<data.count {
                #expect(throws: FormatError.self) { try serializer.decode(Array(data[0..<cut])) }
            }
        }
    }

    @Test func hugeLengthsAreRefusedBeforeAllocating() throws {
        let huge = hex("7fffffff")
        let serializers: [any TypeSerializer] = [
            PrimitiveArraySerializer(.byte), PrimitiveArraySerializer(.long), PrimitiveArraySerializer(.string),
            ListSerializer(element: PrimitiveSerializer(.long)),
            MapSerializer(key: StringSerializer(), value: StringSerializer()),
            BigNumberSerializer(isDecimal: false),
        ]
        for s in serializers {
            #expect(throws: FormatError.self) { try s.decode(huge + hex("00")) }
        }
        #expect(throws: FormatError.self) { try StringSerializer().decode(hex("ffffffff0f 61")) }
        #expect(throws: FormatError.self) { try ListSerializer(element: StringSerializer()).decode(hex("ffffffff")) }
        // A snapshot claiming 2^31-1 enum constants or nested snapshots.
        let enumBytes = FlinkBytes.versioned(basePackage + "EnumSerializer$EnumSerializerSnapshot", 3,
                                             payload: FlinkBytes.utfBytes("E") + huge)
        #expect(throws: FormatError.self) { try readVersioned(enumBytes) }
        let list = FlinkBytes.versioned(basePackage + "ListSerializerSnapshot", 3,
                                        payload: hex("000de704 00000001 001457fd 00000001") + huge)
        #expect(throws: FormatError.self) { try readVersioned(list) }
    }

    @Test func badMagicNumbersAndIndexes() throws {
        let badOuter = FlinkBytes.versioned(basePackage + "ListSerializerSnapshot", 3, payload: hex("00000000"))
        #expect(throws: FormatError.self) { try readVersioned(badOuter) }
        let e = EnumSerializer(enumClass: "E", constants: ["A"])
        #expect(throws: FormatError.self) { try e.decode(hex("00000001")) }
        #expect(throws: FormatError.self) { try e.decode(hex("ffffffff")) }
        #expect(throws: FormatError.self) { try TupleSerializer(tupleClass: "T0", fields: []).decode(hex("00")) }
        let pojo = try readVersioned(SnapshotTests.orderPojo()).restoreSerializer()
        #expect(throws: FormatError.self) { try pojo.decode(hex("00")) }
    }
}
