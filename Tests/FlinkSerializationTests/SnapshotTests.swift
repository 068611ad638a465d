import Bytes
import Testing
@testable import FlinkSerialization

@Suite struct SnapshotTests {
    /// The operator state header's `VALUE_SERIALIZER`, byte for byte, as Flink's
    /// `TypeSerializerSnapshotSerializationUtil.writeSerializerSnapshot` writes a `LongSerializer`'s.
    @Test func longTopLevelAsFlinkWritesIt() throws {
        let bytes = hex("00000002 0050") + Array(longSnapshotClass.utf8) + hex("00000003")
        var r = ByteReader(bytes)
        let s = try SerializerSnapshot.readTopLevel(from: &r)
        #expect(r.isAtEnd)
        #expect(s.className == longSnapshotClass)
        #expect(s.version == 3)
        #expect(s.payload == .empty)
        #expect(s.typeDescription == "Long")
        #expect(s.nestedSnapshots.isEmpty)
        var w = ByteWriter()
        try s.writeTopLevel(to: &w)
        #expect(w.bytes == bytes)
    }

    @Test func everySimpleClassRoundTrips() throws {
        for name in SnapshotRegistry.knownClassNames {
            guard case .simple(let type)? = SnapshotRegistry.layout(ofClass: name) else { continue }
            let bytes = FlinkBytes.simple(name)
            let s = try readVersioned(bytes)
            #expect(try writeVersioned(s) == bytes)
            #expect(s.typeDescription == type.rawValue)
        }
    }

    /// Version 2 of `SimpleTypeSerializerSnapshot` stored the serializer class name.
    @Test func legacySimpleSnapshotKeepsItsClassName() throws {
        let bytes = FlinkBytes.versioned(intSnapshotClass, 2,
                                         payload: FlinkBytes.utfBytes(basePackage + "IntSerializer"))
        let s = try readVersioned(bytes)
        #expect(s.payload == .legacySerializerClass(basePackage + "IntSerializer"))
        #expect(try writeVersioned(s) == bytes)
        #expect(try s.restoreSerializer().decode(hex("0000002a")) == .int(42))
    }

    @Test func mapOfStringToLong() throws {
        let bytes = FlinkBytes.composite(basePackage + "MapSerializerSnapshot", outerVersion: 1,
                                         nested: [FlinkBytes.simple(stringSnapshotClass),
                                                  FlinkBytes.simple(longSnapshotClass)])
        let s = try readVersioned(bytes)
        #expect(s.typeDescription == "Map<String, Long>")
        #expect(s.nestedSnapshots.map(\.className) == [stringSnapshotClass, longSnapshotClass])
        #expect(try writeVersioned(s) == bytes)
    }

    @Test func tuple3WithClassName() throws {
        let bytes = FlinkBytes.composite(
            runtimePackage + "TupleSerializerSnapshot", outerVersion: 2,
            outer: FlinkBytes.utfBytes("org.apache.flink.api.java.tuple.Tuple3"),
            nested: [FlinkBytes.simple(intSnapshotClass), FlinkBytes.simple(stringSnapshotClass),
                     FlinkBytes.simple(doubleSnapshotClass)])
        let s = try readVersioned(bytes)
        guard case .composite(let c) = s.payload else { Issue.record("not composite"); return }
        #expect(c.outer == .className("org.apache.flink.api.java.tuple.Tuple3"))
        #expect(s.typeDescription == "Tuple3<Integer, String, Double>")
        #expect(try writeVersioned(s) == bytes)
    }

    @Test(arguments: [(Int32(4), [UInt8]([1]), true), (4, [0], false), (3, [], true), (2, [], false)])
    func rowOuterVersions(outerVersion: Int32, outer: [UInt8], supportsRowKind: Bool) throws {
        let bytes = FlinkBytes.composite(runtimePackage + "RowSerializer$RowSerializerSnapshot",
                                         outerVersion: outerVersion, outer: outer,
                                         nested: [FlinkBytes.simple(intSnapshotClass),
                                                  FlinkBytes.simple(stringSnapshotClass)])
        let s = try readVersioned(bytes)
        #expect(s.typeDescription == "Row(f0: Integer, f1: String)")
        #expect(try writeVersioned(s) == bytes)
        let row = try #require(s.restoreSerializer() as? RowSerializer)
        #expect(row.supportsRowKind == supportsRowKind)
    }

    /// Snapshot versions 1–2 of composite snapshots have no outer magic/version.
    @Test func legacyCompositeWithoutOuterHeader() throws {
        let bytes = FlinkBytes.versioned(basePackage + "ListSerializerSnapshot", 1,
                                         payload: FlinkBytes.nestedBlock([FlinkBytes.simple(longSnapshotClass)]))
        let s = try readVersioned(bytes)
        #expect(s.typeDescription == "List<Long>")
        #expect(try writeVersioned(s) == bytes)
    }

    @Test func ttlTimerNullableAndGenericArray() throws {
        let ttl = FlinkBytes.composite("org.apache.flink.runtime.state.ttl.TtlStateFactory$TtlSerializerSnapshot",
                                       outerVersion: 2, nested: [FlinkBytes.simple(longSnapshotClass),
                                                                 FlinkBytes.simple(stringSnapshotClass)])
        let ttl2 = FlinkBytes.composite(
            "org.apache.flink.runtime.state.v2.ttl.TtlStateFactory$TtlSerializerSnapshot",
            outerVersion: 2, nested: [FlinkBytes.simple(longSnapshotClass), FlinkBytes.simple(longSnapshotClass)])
        let timer = FlinkBytes.composite("org.apache.flink.streaming.api.operators.TimerSerializerSnapshot",
                                         outerVersion: 2, nested: [FlinkBytes.simple(stringSnapshotClass),
                                                                   FlinkBytes.simple(timeWindowClass)])
        let nullable = FlinkBytes.composite(runtimePackage + "NullableSerializer$NullableSerializerSnapshot",
                                            outerVersion: 2, outer: hex("00000008"),
                                            nested: [FlinkBytes.simple(longSnapshotClass)])
        let array = FlinkBytes.composite(basePackage + "GenericArraySerializerSnapshot", outerVersion: 1,
                                         outer: FlinkBytes.utfBytes("java.lang.String"),
                                         nested: [FlinkBytes.simple(stringSnapshotClass)])
        let expected = ["TTL<String>", "TTL<Long>", "Timer<String, TimeWindow>", "Nullable<Long>", "String[]"]
        for (bytes, description) in zip([ttl, ttl2, timer, nullable, array], expected) {
            let s = try readVersioned(bytes)
            #expect(s.typeDescription == description)
            #expect(try writeVersioned(s) == bytes)
        }
        #expect(try readVersioned(timer).restoreSerializer().flinkLength == -1)
        #expect(try readVersioned(nullable).restoreSerializer().flinkLength == 9)
    }

    @Test func enumSnapshot() throws {
        let bytes = FlinkBytes.enumSnapshot("com.example.Color", ["RED", "GREEN", "BLUE"])
        let s = try readVersioned(bytes)
        #expect(s.payload == .enumeration(enumClass: "com.example.Color", constants: ["RED", "GREEN", "BLUE"]))
        #expect(s.typeDescription == "Enum com.example.Color")
        #expect(try writeVersioned(s) == bytes)
    }

    static func orderPojo() -> [UInt8] {
        FlinkBytes.pojoSnapshot("com.example.Order", fields: [
            ("color", FlinkBytes.enumSnapshot("com.example.Color", ["RED", "GREEN", "BLUE"])),
            ("id", FlinkBytes.simple(intSnapshotClass)),
            ("name", FlinkBytes.simple(stringSnapshotClass)),
            ("score", FlinkBytes.simple(doubleSnapshotClass)),
        ])
    }

    @Test func pojoSnapshotFieldsInOrder() throws {
        let bytes = Self.orderPojo()
        let s = try readVersioned(bytes)
        guard case .pojo(let p) = s.payload else { Issue.record("not a POJO"); return }
        #expect(p.pojoClassName == "com.example.Order")
        #expect(p.fields.map(\.name) == ["color", "id", "name", "score"])
        #expect(p.fields.allSatisfy { $0.declaringClass == "com.example.Order" })
        #expect(s.typeDescription
            == "POJO com.example.Order{color: Enum com.example.Color, id: Integer, name: String, score: Double}")
        #expect(s.nestedSnapshots.count == 4)
        #expect(try writeVersioned(s) == bytes)
    }

    /// A field whose snapshot class is unknown sits in a length-prefixed frame: kept verbatim.
    @Test func pojoFieldWithUnknownSnapshotIsKeptOpaque() throws {
        let unknown = FlinkBytes.versioned("com.example.CustomSerializerSnapshot", 1, payload: hex("cafe"))
        let bytes = FlinkBytes.pojoSnapshot("com.example.P", fields: [("x", unknown)])
        let s = try readVersioned(bytes)
        guard case .pojo(let p) = s.payload else { Issue.record("not a POJO"); return }
        #expect(p.fields[0].snapshot == nil)
        #expect(p.fields[0].valueFrame == unknown)
        #expect(try writeVersioned(s) == bytes)
    }

    @Test func kryoSnapshotIsKeptVerbatim() throws {
        var registration = FlinkBytes.utfBytes("org.apache.avro.generic.GenericData$Array")
        registration += hex("00000001") + FlinkBytes.utfBytes("org.apache.flink.DummySerializer")
        let payload = FlinkBytes.utfBytes("com.example.Thing")
            + FlinkBytes.optionalMap([("org.apache.avro.generic.GenericData$Array",
                                       FlinkBytes.utfBytes("org.apache.avro.generic.GenericData$Array"),
                                       registration)])
            + FlinkBytes.optionalMap([]) + FlinkBytes.optionalMap([("x", nil, nil)])
        let bytes = FlinkBytes.versioned(runtimePackage + "kryo.KryoSerializerSnapshot", 2, payload: payload)
        let s = try readVersioned(bytes)
        #expect(s.typeDescription == "Kryo com.example.Thing")
        #expect(try writeVersioned(s) == bytes)
        let serializer = s.restoreSerializer()
        #expect(serializer.flinkLength == -1)
        // Class id 85 is the first registration, which has a serializer of its own: the value is kept
        // and shown as {"$kryo": class, "$raw": bytes}.
        guard case .kryo(let decoded, let kept) = try serializer.decode(hex("570158")) else {
            Issue.record("not a Kryo value")
            return
        }
        #expect(kept == hex("570158"))
        #expect(ValueJSON.text(decoded) == #"{"$kryo":"org.apache.avro.generic.GenericData$Array","$raw":"VwFY"}"#)
    }

    /// Opaque serializers take the rest of the input; composites that nest one say so.
    @Test func readsToEndPropagates() throws {
        let kryo = FlinkBytes.versioned(runtimePackage + "kryo.KryoSerializerSnapshot", 2,
                                        payload: FlinkBytes.utfBytes("com.example.Thing")
                                            + FlinkBytes.optionalMap([]) + FlinkBytes.optionalMap([])
                                            + FlinkBytes.optionalMap([]))
        let pojo = FlinkBytes.pojoSnapshot("com.example.P", fields: [("thing", kryo),
                                                                     ("id", FlinkBytes.simple(longSnapshotClass))])
        let list = FlinkBytes.composite(basePackage + "ListSerializerSnapshot", outerVersion: 1, nested: [kryo])
        #expect(try readVersioned(kryo).restoreSerializer().readsToEnd)
        #expect(try readVersioned(pojo).restoreSerializer().readsToEnd)
        #expect(try readVersioned(list).restoreSerializer().readsToEnd)
        #expect(try !readVersioned(SnapshotTests.orderPojo()).restoreSerializer().readsToEnd)
        #expect(try !readVersioned(FlinkBytes.simple(stringSnapshotClass)).restoreSerializer().readsToEnd)
    }

    @Test func ttlAwareWrapsAndRestoresTheInnerSerializer() throws {
        let bytes = FlinkBytes.versioned("org.apache.flink.runtime.state.ttl.TtlAwareSerializerSnapshot", 1,
                                         payload: hex("01") + FlinkBytes.simple(longSnapshotClass))
        let s = try readVersioned(bytes)
        #expect(s.typeDescription == "Long")
        #expect(s.nestedSnapshots.map(\.className) == [longSnapshotClass])
        #expect(try writeVersioned(s) == bytes)
        #expect(try s.restoreSerializer().decode(hex("0000000000000007")) == .int(7))
    }

    @Test func genericTypeAndStreamingSnapshots() throws {
        let value = FlinkBytes.versioned(runtimePackage + "ValueSerializer$ValueSerializerSnapshot", 2,
                                         payload: FlinkBytes.utfBytes("com.example.MyValue"))
        let s = try readVersioned(value)
        #expect(s.payload == .typeClass("com.example.MyValue"))
        #expect(s.typeDescription == "Value com.example.MyValue")
        #expect(try writeVersioned(s) == value)

        let entry = FlinkBytes.composite(
            "org.apache.flink.streaming.api.operators.co.IntervalJoinOperator$BufferEntrySerializerSnapshot",
            outerVersion: 2, nested: [FlinkBytes.simple(stringSnapshotClass)])
        let e = try readVersioned(entry)
        #expect(e.typeDescription == "BufferEntry<String>")
        #expect(try writeVersioned(e) == entry)
        try expectRoundTrip(entry, hex("01 026b"), .tuple([.string("k"), .bool(true)]))
    }

    @Test func avroSnapshotKeepsSchemaAndClass() throws {
        let schema = "{\"type\":\"record\",\"name\":\"User\",\"fields\":[]}"
        let bytes = FlinkBytes.versioned("org.apache.flink.formats.avro.typeutils.AvroSerializerSnapshot", 2,
                                         payload: FlinkBytes.utfBytes("com.example.User") + FlinkBytes.utfBytes(schema))
        let s = try readVersioned(bytes)
        #expect(s.payload == .avro(strings: ["com.example.User", schema]))
        #expect(s.typeDescription == "Avro com.example.User")
        #expect(try writeVersioned(s) == bytes)
        #expect(s.restoreSerializer().readsToEnd)
    }

    @Test func unknownClassIsAClearError() throws {
        let bytes = FlinkBytes.topLevel(FlinkBytes.versioned("com.example.MySnapshot", 1, payload: hex("00")))
        var r = ByteReader(bytes, baseOffset: 100)
        do {
            _ = try SerializerSnapshot.readTopLevel(from: &r)
            Issue.record("expected an error")
        } catch let e as FormatError {
            #expect(e.offset == 104)
            #expect(e.message.contains("unsupported serializer snapshot class com.example.MySnapshot at byte 104"))
        }
    }

    @Test func proxyVersionOneIsRefused() throws {
        var r = ByteReader(hex("00000001") + FlinkBytes.simple(longSnapshotClass))
        #expect(throws: FormatError.self) { try SerializerSnapshot.readTopLevel(from: &r) }
    }
}
