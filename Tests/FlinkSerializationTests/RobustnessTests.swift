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

    /// Random bytes through every kind of serializer: a value or a `FormatError`, never a crash; what
    /// decodes re-encodes to bytes that decode to the same value.
    @Test func randomBytesNeverCrash() throws {
        let snapshots: [[UInt8]] = [
            SnapshotTests.orderPojo(), ValueTests.rowSnapshot, ValueTests.timerSnapshot,
            FlinkBytes.composite(basePackage + "MapSerializerSnapshot", outerVersion: 1,
                                 nested: [FlinkBytes.simple(stringSnapshotClass), FlinkBytes.simple(longSnapshotClass)]),
            FlinkBytes.composite(basePackage + "ListSerializerSnapshot", outerVersion: 1,
                                 nested: [FlinkBytes.simple(stringSnapshotClass)]),
            FlinkBytes.composite(runtimePackage + "NullableSerializer$NullableSerializerSnapshot", outerVersion: 2,
                                 outer: hex("00000004"), nested: [FlinkBytes.simple(intSnapshotClass)]),
            FlinkBytes.simple(basePackage + "array.StringArraySerializer$StringArraySerializerSnapshot"),
            FlinkBytes.simple(basePackage + "BigDecSerializer$BigDecSerializerSnapshot"),
            FlinkBytes.simple(basePackage + "VariantSerializer$VariantSerializerSnapshot"),
        ]
        var rng = SplitMix64(seed: 42)
        for snapshot in snapshots {
            let serializer = try readVersioned(snapshot).restoreSerializer()
            for _ in 0..<2000 {
                let bytes = (0..<Int(rng.next() % 48)).map { _ in
                    // Mostly small bytes, so lengths and flags are often plausible.
                    let b = UInt8(truncatingIfNeeded: rng.next())
                    return rng.next() % 2 == 0 ? b & 0x07 : b
                }
                var r = ByteReader(bytes)
                guard let value = try? serializer.read(from: &r), value == value else { continue }  // NaN ≠ NaN
                // Re-encoding normalizes (a boolean byte 07 becomes 01), so compare decoded values.
                let encoded = try serializer.encode(value)
                #expect(try serializer.decode(encoded) == value)
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

    /// Nesting is bounded so that a crafted snapshot cannot exhaust the stack.
    @Test func deepNestingIsRefused() throws {
        func nestedLists(_ depth: Int) -> [UInt8] {
            var bytes = FlinkBytes.simple(longSnapshotClass)
            for _ in 0..<depth {
                bytes = FlinkBytes.composite(basePackage + "ListSerializerSnapshot", outerVersion: 1, nested: [bytes])
            }
            return bytes
        }
        let ok = try readVersioned(nestedLists(SerializerSnapshot.maxNestingDepth))
        #expect(ok.typeDescription.hasPrefix("List<List<"))
        #expect(throws: FormatError.self) { try readVersioned(nestedLists(SerializerSnapshot.maxNestingDepth + 1)) }
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

/// A small deterministic generator for reproducible random inputs.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
