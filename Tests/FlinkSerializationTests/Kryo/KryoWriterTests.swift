import Bytes
import Testing
@testable import FlinkSerialization

/// `KryoWriter` on bytes: the fixture vectors of `KryoDecodingTests` (key 13 of the collections
/// fixtures, Kryo 2.24 from Flink 1.20.5 and Kryo 5 from 2.3.0), Kryo 5's string and class-name
/// forms, and what it refuses. The whole fixtures: `Tests/SavepointKitTests/Upgrade/KryoReencodingTests`.
@Suite struct KryoWriterTests {
    let vectors = KryoDecodingTests()

    func kryo5(_ bytes: [UInt8], from e: KryoEncoding, _ regs: KryoRegistrations) throws -> [UInt8] {
        var r = ByteReader(bytes)
        let object = try KryoDecoding.decodeObject(&r, encoding: e, registrations: regs)
        #expect(r.isAtEnd)
        return try KryoWriter.kryo5(object, registrations: regs)
    }

    @Test func flink1ValuesBecomeFlink2s() throws {
        #expect(try kryo5(vectors.nestedMap(.kryo2), from: .kryo2, KryoDecodingTests.hashMapState) == vectors.nestedMap(.kryo5))
        #expect(try kryo5(vectors.numbers(.kryo2), from: .kryo2, KryoDecodingTests.arrayListState) == vectors.numbers(.kryo5))
        #expect(try kryo5(vectors.nestedMap(.kryo5), from: .kryo5, KryoDecodingTests.hashMapState) == vectors.nestedMap(.kryo5))
    }

    /// `writeString`: a run for 2 to 32 ASCII characters, else the flagged length and UTF-8 shapes
    /// (a supplementary character as two surrogates); `writeAscii` for class names at any length.
    @Test func stringsAndClassNamesInKryo5Form() throws {
        func string(_ units: [UInt16]?) -> [UInt8] {
            var w = ByteWriter()
            w.kryoString(units)
            return w.bytes
        }
        #expect(string(nil) == [0x80] && string([]) == [0x81])
        #expect(string(Array("z".utf16)) == [0x82, 0x7A])
        #expect(string(Array("ab".utf16)) == [0x61, 0xE2])
        let long = String(repeating: "a", count: 33)
        #expect(string(Array(long.utf16)) == [0xA2] + Array(repeating: 0x61, count: 33))
        #expect(string(Array("xé😀".utf16)) == [0x85, 0x78, 0xC3, 0xA9, 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80])
        // A class by name the first time, by its name id after; a name longer than 32 stays a run; a
        // boxed Integer takes int's id (0).
        let map = "java.util.concurrent.ConcurrentHashMap"
        let object = KryoObject.object(className: "java.util.ArrayList", content: .collection(comparator: nil, elements: [
            .object(className: map, content: .map(comparator: nil, entries: []), id: 1),
            .object(className: "java.lang.Integer", content: .primitive(.int(-1)), id: nil),
            .object(className: map, content: .map(comparator: nil, entries: []), id: 2),
        ]), id: 0)
        var name = Array(map.utf8)
        name[name.count - 1] |= 0x80
        let bytes = try KryoWriter.kryo5(object, registrations: KryoDecodingTests.arrayListState)
        #expect(bytes == [0x57, 0x01, 0x04, 0x01, 0x00] + name + [0x01, 0x01, 0x02, 0x01, 0x01, 0x00, 0x01, 0x01])
    }

    @Test func sameClassElementsWithNullsAndBackReferences() throws {
        // ArrayList ["ab", null, <"ab" again>]: one class (String), has-null, the third a reference to the second object.
        let ab = KryoObject.object(className: "java.lang.String", content: .string(.string("ab")), id: 1)
        let list = KryoObject.object(className: "java.util.ArrayList", content: .collection(comparator: nil, elements: [ab, .null, .reference(1)]), id: 0)
        let bytes = try KryoWriter.kryo5(list, registrations: KryoDecodingTests.arrayListState)
        #expect(bytes == [0x57, 0x01, 0x84, 0x03, 0x01, 0x01, 0x61, 0xE2, 0x00, 0x03])
        var r = ByteReader(bytes)
        #expect(ValueJSON.text(try KryoDecoding.decode(&r, encoding: .kryo5, registrations: KryoDecodingTests.arrayListState)) == #"["ab",null,"ab"]"#)
    }

    @Test func fieldByFieldClassesAndStringArraysAreRefused() throws {
        let user = KryoObject.object(className: "com.acme.Thing", content: .fields([]), id: 0)
        #expect(throws: KryoWriter.Unwritable.self) { try KryoWriter.kryo5(user, registrations: KryoRegistrations(classNames: [])) }
        let strings = KryoObject.object(className: "[Ljava.lang.String;", content: .primitiveArray([.string("a")]), id: 0)
        #expect(throws: KryoWriter.Unwritable.self) { try KryoWriter.kryo5(strings, registrations: KryoRegistrations(classNames: [])) }
    }

    /// Every one-byte change of the Kryo 2.24 vectors: what still decodes and writes as Kryo 5 decodes
    /// as Kryo 5 and writes back the same bytes (the fuzz target's property, `SavepointFuzz kryo`).
    @Test func mutatedInputsStayConsistent() throws {
        for (bytes, regs) in [(vectors.nestedMap(.kryo2), KryoDecodingTests.hashMapState), (vectors.numbers(.kryo2), KryoDecodingTests.arrayListState)] {
            for i in bytes.indices {
                for flip: UInt8 in [0x01, 0x02, 0x40, 0x80] {
                    var mutated = bytes
                    mutated[i] ^= flip
                    var r = ByteReader(mutated)
                    guard let object = try? KryoDecoding.decodeObject(&r, encoding: .kryo2, registrations: regs),
                          let written = try? KryoWriter.kryo5(object, registrations: regs) else { continue }
                    var again = ByteReader(written)
                    let reread = try KryoDecoding.decodeObject(&again, encoding: .kryo5, registrations: regs)
                    let rewritten = try KryoWriter.kryo5(reread, registrations: regs)
                    #expect(again.isAtEnd && rewritten == written, "byte \(i) ^ \(flip)")
                }
            }
        }
    }
}
