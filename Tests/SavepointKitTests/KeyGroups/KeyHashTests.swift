import Bytes
import FlinkSerialization
import Testing
@testable import SavepointKit

/// `KeyHash`: a key's Java `hashCode()` from its bytes, for re-keying (`hashCode`) and deep
/// validation (`read`). String keys: the hash, the length read and whether bytes decide equality
/// must be what decoding the key and taking Java's `String.hashCode()` gives, on the ASCII one-pass
/// path and on the unit-by-unit one.
@Suite struct KeyHashTests {
    static let keys: [[UInt16]] = [
        [], Array("k".utf16), Array("key-0054".utf16), Array(String(repeating: "z", count: 300).utf16),
        Array("\u{7F}\u{01}".utf16), Array("é€ü".utf16), Array("x😀y".utf16), [0xD800], [0x61, 0xDC00, 0x62],
    ]

    @Test(arguments: keys)
    func stringKeysHashAsJavaDoes(_ units: [UInt16]) throws {
        var w = ByteWriter()
        w.writeStringValueUnits(units)
        let bytes = w.bytes + [0x00, 0x2C]  // what follows the key in a composite key
        let key = try #require(bytes.withUnsafeBufferPointer { KeyHash.string.read($0) })
        var javaHash: Int32 = 0
        for u in units { javaHash = javaHash &* 31 &+ Int32(u) }
        #expect(key.hash == javaHash)
        #expect(key.length == w.bytes.count)
        #expect(key.bytesDecideEquality == units.allSatisfy { $0 < 0x80 })
        // Cut short anywhere, the key does not read (the caller then decodes it and reports).
        for cut in 0..<w.bytes.count {
            #expect(Array(w.bytes.prefix(cut)).withUnsafeBufferPointer { KeyHash.string.read($0) } == nil)
        }
    }

    @Test func theNullStringHasNoHash() throws {
        let key = try #require([UInt8(0)].withUnsafeBufferPointer { KeyHash.string.read($0) })
        #expect(key.hash == nil && key.length == 1)
    }

    /// Deep validation reads any planned key as re-keying hashes it, and knows when equal bytes
    /// do not decide equality (a non-ASCII string inside a tuple, a double).
    @Test func readGivesTheHashLengthAndExactness() throws {
        var w = ByteWriter()
        w.writeStringValue("é")
        let tupleBytes = w.bytes + [0, 0, 0, 7]
        let tuple = try #require((tupleBytes + [0x2C]).withUnsafeBufferPointer { KeyHash.tuple([.string, .int]).read($0) })
        #expect(tuple.hash == 31 &* 0xE9 &+ 7 && tuple.length == tupleBytes.count && !tuple.bytesDecideEquality)
        let long = try #require([0, 0, 0, 1, 0, 0, 0, 0, 9].withUnsafeBufferPointer { KeyHash.long.read($0) })
        #expect(long.hash == 1 && long.length == 8 && long.bytesDecideEquality)
        let double = try #require([0x3F, 0xF8, 0, 0, 0, 0, 0, 0].withUnsafeBufferPointer { KeyHash.double.read($0) })
        #expect(double.hash == 1_073_217_536 && !double.bytesDecideEquality)
        #expect([0, 0, 0].withUnsafeBufferPointer { KeyHash.int.read($0) } == nil)
    }

    /// Java's answers for boxed keys (`"key-0001".hashCode()`, `Long.valueOf(-2).hashCode()`, …,
    /// as `jshell` prints them), read from the bytes Flink's serializers write.
    @Test func boxedKeysHashAsJavaDoes() throws {
        func hash(_ plan: KeyHash, _ bytes: [UInt8]) throws -> Int32 {
            var at = 0
            let h = try bytes.withUnsafeBufferPointer { try plan.hashCode($0, at: &at) }
            #expect(at == bytes.count)
            return h
        }
        var w = ByteWriter()
        w.writeStringValue("key-0001")
        #expect(try hash(.string, w.bytes) == 452_866_735)
        w = ByteWriter(); w.writeStringValue("é€𝄞")
        #expect(try hash(.string, w.bytes) == 16_751_501)
        #expect(try hash(.long, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE]) == 1)
        #expect(try hash(.long, [0, 0, 0, 1, 0, 0, 0, 0]) == 1)
        #expect(try hash(.int, [0xFF, 0xFF, 0xFE, 0x0C]) == -500)
        #expect(try hash(.short, [0xFF, 0xFE]) == -2)
        #expect(try hash(.byte, [0x80]) == -128)
        #expect(try hash(.char, [0xFF, 0xFE]) == 65534)
        #expect(try hash(.boolean, [1]) == 1231)
        #expect(try hash(.boolean, [0]) == 1237)
        // Double.valueOf(1.5).hashCode() == 1073217536, Float.valueOf(1.5f).hashCode() == 1069547520
        #expect(try hash(.double, [0x3F, 0xF8, 0, 0, 0, 0, 0, 0]) == 1_073_217_536)
        #expect(try hash(.float, [0x3F, 0xC0, 0, 0]) == 1_069_547_520)
        // Any NaN hashes as the canonical one: Float.NaN.hashCode() == 2143289344.
        #expect(try hash(.float, [0x7F, 0xC0, 0, 1]) == 2_143_289_344)
        // Tuple2.of(7, 1L).hashCode() == 31 * 7 + 1
        #expect(try hash(.tuple([.int, .long]), [0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 1]) == 218)
        #expect(throws: FormatError.self) { try hash(.string, [0]) }
        #expect(throws: FormatError.self) { try hash(.row(fields: [.int], supportsRowKind: true), []) }
        #expect(throws: FormatError.self) { try hash(.long, [0, 0, 0]) }
    }

    /// `Row` and `Tuple2` keys, as Flink 2.3's serializers write them and `hashCode()` answers
    /// (jshell with flink-dist on the class path): row kinds, null fields, nesting both ways, and
    /// a row without row-kind bits (`RowSerializer` legacy mode).
    @Test func rowsAndTuplesHashAsFlinksClassesDo() throws {
        let row: KeyHash = .row(fields: [.string, .int, .long], supportsRowKind: true)
        let tuple: KeyHash = .tuple([.string, row])
        let cases: [(KeyHash, String, Int32)] = [
            // Row.ofKind(UPDATE_AFTER, "ab", null, -3L)
            (row, "50036162fffffffffffffffd", 3_043_582),
            // Row.of("ab", 5, 7L)
            (row, "00036162000000050000000000000007", 3_044_641),
            // Tuple2.of("k", Row.of("ab", 5, 7L))
            (tuple, "026b00036162000000050000000000000007", 3_047_958),
            // Row.of(Row.ofKind(UPDATE_AFTER, "ab", null, -3L), Tuple2.of("k", Row.of("ab", 5, 7L)), 2.5)
            (.row(fields: [row, tuple, .double], supportsRowKind: true),
             "0050036162fffffffffffffffd026b000361620000000500000000000000074004000000000000", -201_533_754),
            // Row.of("x", (short) -4), no row kind
            (.row(fields: [.string, .short], supportsRowKind: false), "000278fffc", 5669),
        ]
        for (plan, hex, expected) in cases {
            let bytes = stride(from: 0, to: hex.count, by: 2).map { i -> UInt8 in
                let at = hex.index(hex.startIndex, offsetBy: i)
                return UInt8(hex[at..<hex.index(at, offsetBy: 2)], radix: 16)!
            }
            var at = 0
            #expect(try bytes.withUnsafeBufferPointer { try plan.hashCode($0, at: &at) } == expected, "\(hex)")
            #expect(at == bytes.count, "\(hex)")
        }
    }
}
