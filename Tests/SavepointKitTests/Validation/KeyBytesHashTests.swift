import Bytes
import FlinkSerialization
import Testing
@testable import SavepointKit

/// Deep validation hashes String keys straight from their `StringValue` bytes (`KeyBytesHash`):
/// the hash, the length read and whether bytes decide equality must be what decoding the key and
/// taking Java's `String.hashCode()` gives, on the ASCII one-pass path and on the unit-by-unit one.
@Suite struct KeyBytesHashTests {
    static let keys: [[UInt16]] = [
        [], Array("k".utf16), Array("key-0054".utf16), Array(String(repeating: "z", count: 300).utf16),
        Array("\u{7F}\u{01}".utf16), Array("é€ü".utf16), Array("x😀y".utf16), [0xD800], [0x61, 0xDC00, 0x62],
    ]

    @Test(arguments: keys)
    func stringKeysHashAsJavaDoes(_ units: [UInt16]) throws {
        var w = ByteWriter()
        w.writeStringValueUnits(units)
        let bytes = w.bytes + [0x00, 0x2C]  // what follows the key in a composite key
        let key = try #require(bytes.withUnsafeBufferPointer { KeyBytesHash.string.read($0) })
        var javaHash: Int32 = 0
        for u in units { javaHash = javaHash &* 31 &+ Int32(u) }
        #expect(key.hash == javaHash)
        #expect(key.length == w.bytes.count)
        #expect(key.bytesDecideEquality == units.allSatisfy { $0 < 0x80 })
        // Cut short anywhere, the key does not read (the caller then decodes it and reports).
        for cut in 0..<w.bytes.count {
            #expect(Array(w.bytes.prefix(cut)).withUnsafeBufferPointer { KeyBytesHash.string.read($0) } == nil)
        }
    }

    @Test func theNullStringHasNoHash() throws {
        let key = try #require([UInt8(0)].withUnsafeBufferPointer { KeyBytesHash.string.read($0) })
        #expect(key.hash == nil && key.length == 1)
    }
}
