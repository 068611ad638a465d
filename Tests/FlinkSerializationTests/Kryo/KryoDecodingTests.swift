import Bytes
import Testing
@testable import FlinkSerialization

/// Kryo decoding on bytes: vectors copied from the collections fixtures (Flink 1.20.5 wrote the Kryo
/// 2.24 ones, 2.3.0 the Kryo 5 ones; `fixtures/<version>/collections/memory`), and hand-made edge cases.
@Suite struct KryoDecodingTests {
    /// The registrations of a `Types.GENERIC(HashMap)` state: the type class is id 85.
    static let hashMapState = KryoRegistrations(classNames: ["java.util.HashMap", "org.apache.avro.generic.GenericData$Array"])
    static let arrayListState = KryoRegistrations(classNames: ["java.util.ArrayList"])

    func ascii(_ s: String) -> [UInt8] {
        var b = Array(s.utf8)
        b[b.count - 1] |= 0x80
        return b
    }

    func decode(_ bytes: [UInt8], _ e: KryoEncoding, _ regs: KryoRegistrations = arrayListState) throws -> String {
        var r = ByteReader(bytes)
        let v = try KryoDecoding.decode(&r, encoding: e, registrations: regs)
        #expect(r.isAtEnd, "\(r.remaining) bytes left")
        return ValueJSON.text(v)
    }

    /// Key 13's `map` state: HashMap {k0: 0L, k1: 13L, name: "m13", nested: LinkedHashMap {inner:
    /// ArrayList [13, 14], none: null}}.
    func nestedMap(_ e: KryoEncoding) -> [UInt8] {
        let head: [UInt8] = e == .kryo2 ? [0x57, 0x01, 0x04] : [0x57, 0x01, 0x05]
        var b = head + [0x03, 0x01] + ascii("k0") + [0x09, 0x00] + [0x03, 0x01] + ascii("k1") + [0x09, 0x1A]
        b += [0x03, 0x01] + ascii("name") + [0x03, 0x01] + ascii("m13")
        b += [0x03, 0x01] + ascii("nested") + [0x01, 0x00] + ascii("java.util.LinkedHashMap") + [0x01]
        b += e == .kryo2 ? [0x02] : [0x03]
        b += [0x03, 0x01] + ascii("inner") + [0x01, 0x01] + ascii("java.util.ArrayList") + [0x01]
        b += e == .kryo2 ? [0x02, 0x02, 0x1A, 0x02, 0x1C] : [0x83, 0x02, 0x00, 0x1A, 0x1C]
        return b + [0x03, 0x01] + ascii("none") + [0x00]
    }

    @Test(arguments: KryoEncoding.allCases)
    func nestedMapsAndListsFromTheFixtures(_ e: KryoEncoding) throws {
        #expect(try decode(nestedMap(e), e, Self.hashMapState)
            == #"{"$map":[["k0",0],["k1",13],["name","m13"],["nested",{"$map":[["inner",[13,14]],["none",null]]}]]}"#)
    }

    /// The tail of key 13's `list` state: TreeSet, LinkedHashSet, TreeMap, Arrays.asList, emptyList,
    /// Short, Byte, Character, Float, as each Kryo writes them.
    @Test func collectionsAndFixedWidthNumbersInKryo2() throws {
        var b: [UInt8] = [0x57, 0x01, 0x09]
        b += [0x01, 0x00] + ascii("java.util.TreeSet") + [0x01, 0x00, 0x03, 0x03, 0x01, 0x82, 0x78, 0x03, 0x01, 0x82, 0x79]
        b += [0x03, 0x01] + ascii("z13")
        b += [0x01, 0x01] + ascii("java.util.LinkedHashSet") + [0x01, 0x02, 0x02, 0x1E, 0x02, 0x1C]
        b += [0x01, 0x02] + ascii("java.util.TreeMap") + [0x01, 0x00, 0x01, 0x03, 0x01, 0x82, 0x6B, 0x09, 0x1A]
        b += [0x4B, 0x01, 0x03, 0x03, 0x03, 0x01] + ascii("as") + [0x03, 0x01] + ascii("list") + [0x03, 0x01] + ascii("13")
        b += [0x01, 0x03] + ascii("java.util.Collections$EmptyList") + [0x01]
        b += [0x08, 0x00, 0x0D, 0x06, 0xF3, 0x07, 0x00, 0x63, 0x04, 0x40, 0x50, 0x00, 0x00]
        #expect(try decode(b, .kryo2) == #"[["x","y","z13"],[15,14],{"$map":[["k",13]]},["as","list","13"],[],13,-13,"c",3.25]"#)
    }

    @Test func collectionsAndFixedWidthNumbersInKryo5() throws {
        var b: [UInt8] = [0x57, 0x01, 0x0B]
        b += [0x01, 0x00] + ascii("java.util.TreeSet") + [0x01, 0x84, 0x00, 0x03, 0x00, 0x01, 0x82, 0x78, 0x01, 0x82, 0x79]
        b += [0x01] + ascii("z13")
        b += [0x01, 0x01] + ascii("java.util.LinkedHashSet") + [0x01, 0x83, 0x02, 0x00, 0x1E, 0x1C]
        b += [0x01, 0x02] + ascii("java.util.TreeMap") + [0x01, 0x02, 0x00, 0x03, 0x01, 0x82, 0x6B, 0x09, 0x1A]
        b += [0x4B, 0x01, 0x84, 0x03, 0x00, 0x01] + ascii("as") + [0x01] + ascii("list") + [0x01] + ascii("13")
        b += [0x01, 0x03] + ascii("java.util.Collections$EmptyList") + [0x01]
        b += [0x08, 0x0D, 0x00, 0x06, 0xF3, 0x07, 0x63, 0x00, 0x04, 0x00, 0x00, 0x50, 0x40]
        // A double: 6.5, little-endian.
        b += [0x0A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1A, 0x40]
        #expect(try decode(b, .kryo5) == #"[["x","y","z13"],[15,14],{"$map":[["k",13]]},["as","list","13"],[],13,-13,"c",3.25,6.5]"#)
    }

    /// Key 13's `numbers`: BigDecimal 37037.034, BigInteger -3^53, UUID (chill's varlongs in 1.x, fixed
    /// little-endian longs in 2.x).
    func numbers(_ e: KryoEncoding) -> [UInt8] {
        var b: [UInt8] = [0x57, 0x01, e == .kryo2 ? 0x03 : 0x04]
        b += [0x01, 0x00] + ascii("java.math.BigDecimal") + [0x01, 0x05, 0x02, 0x35, 0x23, 0xEA, 0x06]
        b += [0x01, 0x01] + ascii("java.math.BigInteger")
        b += hex("01 0c ef f7 70 25 98 e1 f4 ff 58 f9 cd")
        return b + (e == .kryo2 ? hex("54 01 a4 8c aa f6 b0 ea e5 ed 1f 19") : hex("54 01 12 43 65 87 a9 cb ed 0f f3 ff ff ff ff ff ff ff"))
    }

    @Test(arguments: KryoEncoding.allCases)
    func numbersFromTheFixtures(_ e: KryoEncoding) throws {
        #expect(try decode(numbers(e), e) == #"["37037.034","-19383245667680019896796723","0fedcba9-8765-4312-ffff-fffffffffff3"]"#)
    }

    @Test func stringsInEveryForm() throws {
        // ASCII run, one character (length form), empty, a null element, and CESU-style UTF-8 with a surrogate pair.
        let b: [UInt8] = [0x57, 0x01, 0x05, 0x03, 0x01] + ascii("ab") + [0x03, 0x01, 0x82, 0x7A, 0x03, 0x01, 0x81,
                          0x00] + [0x03, 0x01, 0x85, 0x78, 0xC3, 0xA9, 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]
        #expect(try decode(b, .kryo2) == #"["ab","z","",null,"xé😀"]"#)
    }

    @Test(arguments: KryoEncoding.allCases)
    func backReferencesRepeatTheValue(_ e: KryoEncoding) throws {
        // ArrayList (reference 0) of "ab" (reference 1) and a reference to it (1 + 2).
        let b: [UInt8] = [0x57, 0x01, e == .kryo2 ? 0x02 : 0x03, 0x03, 0x01] + ascii("ab") + [0x03, 0x03]
        #expect(try decode(b, e) == #"["ab","ab"]"#)
    }

    @Test func selfReferenceFailsWithItsOffset() {
        // A list whose element is the list itself.
        var r = ByteReader([0x57, 0x01, 0x01, 0x57, 0x02])
        #expect(throws: FormatError(offset: 4, "Kryo reference 0 points into an object that contains itself")) {
            try KryoDecoding.decode(&r, encoding: .kryo2, registrations: Self.arrayListState)
        }
    }

    @Test func referencesDoNotExpandWithoutBound() {
        // Level k is a list of level k+1 (new, reference k+1) and a back-reference to it: 2^40 values.
        let depth = 40
        var b: [UInt8] = []
        for _ in 0..<depth { b += [0x57, 0x01, 0x02] }
        b += [0x57, 0x01, 0x00]
        for k in (0..<depth).reversed() { b += [0x57, UInt8(k + 1 + 2)] }
        var r = ByteReader(b)
        #expect(throws: FormatError.self) {
            try KryoDecoding.decode(&r, encoding: .kryo2, registrations: Self.arrayListState)
        }
    }

    @Test func userClassesAreShownByNameWithTheirBytes() throws {
        let b: [UInt8] = [0x57, 0x01, 0x02, 0x03, 0x01] + ascii("ok") + [0x01, 0x00] + ascii("com.acme.Thing") + [0x01, 0x06, 0x07]
        var r = ByteReader(b)
        let v = try KryoDecoding.decode(&r, encoding: .kryo2, registrations: Self.arrayListState)
        #expect(r.isAtEnd)
        #expect(KryoDecoding.isUndecodable(v))
        var base64 = JSONEmitter()
        b.withUnsafeBytes { base64.base64($0) }
        #expect(ValueJSON.text(v) == #"{"$kryo":"com.acme.Thing","$raw":""# + String(decoding: base64.bytes, as: UTF8.self) + #""}"#)
    }

    @Test func malformedInputFailsWithOffsetAndWithoutAllocating() {
        let cases: [([UInt8], FormatError)] = [
            ([0xCA, 0x01], FormatError(offset: 0, "unknown Kryo class id 200")),
            ([0x57, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x07], FormatError(offset: 7, "expected a Kryo collection of 2147483647 elements of 2147483647 bytes, only 0 remain")),
            ([0x57, 0x01, 0x02, 0x03], FormatError(offset: 3, "expected a Kryo collection of 2 elements of 2 bytes, only 1 remain")),
            ([0x57], FormatError(offset: 1, "expected a Kryo reference marker, found end of data")),
            ([0x57, 0x01, 0x01, 0x03, 0x01, 0x85, 0x61], FormatError(offset: 6, "expected a Kryo string of 4 characters of 4 bytes, only 1 remain")),
            ([0x57, 0x01, 0x01, 0x57, 0x09], FormatError(offset: 4, "Kryo reference 7 names no object read before it (1 so far)")),
        ]
        for (bytes, expected) in cases {
            var r = ByteReader(bytes)
            do {
                _ = try KryoDecoding.decode(&r, encoding: .kryo2, registrations: Self.arrayListState)
                Issue.record("decoded \(bytes)")
            } catch let e as FormatError {
                #expect(e == expected)
            } catch { Issue.record("\(error)") }
        }
    }

    @Test func bigDecimalTextIsJavas() {
        let cases: [(String, Int32, String)] = [
            ("123", -2, "1.23E+4"), ("1", 8, "1E-8"), ("123", 6, "0.000123"), ("5", 1, "0.5"),
            ("0", 3, "0.000"), ("12345678", 3, "12345.678"), ("42", 0, "42"), ("123", 9, "1.23E-7"),
        ]
        for (digits, scale, text) in cases {
            #expect(JavaNumberText.bigDecimal(unscaled: (false, digits), scale: scale) == text)
        }
        #expect(JavaNumberText.bigDecimal(unscaled: (true, "5"), scale: 1) == "-0.5")
        #expect(JavaNumberText.decimal(twosComplement: [0xFF]) == (true, "1"))
        #expect(JavaNumberText.decimal(twosComplement: [0x00, 0x80]) == (false, "128"))
        #expect(JavaNumberText.decimal(twosComplement: [0x80, 0x00]) == (true, "32768"))
    }

    @Test func serializerInfersTheEncodingAndWritesTheSameBytes() throws {
        for e in KryoEncoding.allCases {
            let bytes = nestedMap(e)
            let s = KryoSerializer(typeClassName: "java.util.HashMap", registrations: Self.hashMapState)
            let v = try s.decode(bytes)
            guard case .kryo(let decoded, let kept) = v else { Issue.record("\(v)"); continue }
            #expect(kept == bytes)
            #expect(ValueJSON.text(decoded).hasPrefix(#"{"$map":[["k0",0],["k1",13]"#), "\(e)")
            #expect(try s.encode(v) == bytes)
        }
        // A POJO field typed java.util.List is Kryo only in Flink 1.x: an empty ArrayList, not null.
        let field = KryoSerializer(typeClassName: "java.util.List", registrations: KryoRegistrations(classNames: ["java.util.List"]))
        let empty: [UInt8] = [0x01, 0x00] + ascii("java.util.ArrayList") + [0x01, 0x00]
        guard case .kryo(let decoded, _) = try field.decode(empty) else { Issue.record("not Kryo"); return }
        #expect(decoded == .list([]))
    }

    @Test func registrationsWithTheirOwnSerializerStopDecoding() throws {
        var unspecified = ByteWriter(), custom = ByteWriter()
        try unspecified.writeModifiedUTF8("java.util.ArrayList"); unspecified.writeI32(0)
        try custom.writeModifiedUTF8("com.acme.Thing"); custom.writeI32(1)
        let snapshot = KryoSnapshot(
            typeClassName: "java.util.ArrayList",
            registrations: [OptionalMapEntry(name: "java.util.ArrayList", keyFrame: [], valueFrame: unspecified.bytes),
                            OptionalMapEntry(name: "com.acme.Thing", keyFrame: [], valueFrame: custom.bytes)],
            defaultKryoSerializers: [OptionalMapEntry(name: "java.util.UUID", keyFrame: nil, valueFrame: nil)],
            defaultKryoSerializerClasses: [])
        let regs = KryoRegistrations(snapshot: snapshot)
        #expect(regs.classNames == ["java.util.ArrayList", "com.acme.Thing"])
        #expect(regs.customSerializers == ["com.acme.Thing", "java.util.UUID"])
        var r = ByteReader([0x57, 0x01, 0x01, 0x58, 0x01, 0x05])
        let v = try KryoDecoding.decode(&r, encoding: .kryo2, registrations: regs)
        #expect(ValueJSON.text(v).hasPrefix(#"{"$kryo":"com.acme.Thing""#))
    }

    /// Key 4's `basket.lines` in Flink 1.20.5: an ArrayList of one BasketLine {qty: 4, sku: "sku-4-0"},
    /// written field by field. Without its fields it is {"$kryo": …}; with them (as `upgrade` takes them
    /// from Flink 2's POJO snapshot of the class) a POJO.
    @Test func fieldByFieldClassesDecodeWithTheirFields() throws {
        let bytes = [0x01, 0x00] + ascii("java.util.ArrayList") + [0x01, 0x01, 0x01, 0x01]
            + ascii("savepointfixtures.BasketLine") + [0x01, 0x08, 0x01] + ascii("sku-4-0")
        var regs = KryoRegistrations(classNames: ["java.util.List"])
        var r = ByteReader(bytes)
        #expect(KryoDecoding.isUndecodable(try KryoDecoding.decode(&r, encoding: .kryo2, registrations: regs)))
        regs.fieldLayouts["savepointfixtures.BasketLine"] = [
            KryoField(name: "sku", kind: .final("java.lang.String")), KryoField(name: "qty", kind: .primitive("long")),
        ]
        #expect(try decode(bytes, .kryo2, regs) == #"[{"qty":4,"sku":"sku-4-0"}]"#)
    }
}
