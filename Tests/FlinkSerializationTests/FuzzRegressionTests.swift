import Bytes
import FlinkSerialization
import Testing

/// Inputs the fuzzer (scripts/fuzz) found; each once broke an invariant and must keep holding.
@Suite struct FuzzRegressionTests {
    /// serializer-snapshot, 2026-11-25: a version-2 simple snapshot whose class-name payload holds
    /// a raw NUL byte. Java's readUTF accepts it, but it re-encodes as C0 80, so read → write
    /// changed the bytes. Such strings are now refused.
    static let rawNulInSnapshotPayload = hex("0000000200546f72672e6170616368652e666c696e6b2e6170692e636f6d6d6f6e2e747970657574696c732e626173652e537472696e6753657269616c697a657224537472696e6753657269616c697a6572536e617073686f740000000200546f72672e6170616368652e666c696e6b2e6170692e636f000000032e73675365726f72672e6170616368652e666c696e6b2e6170692e636f6d6d6f6e6e747970657574696c732e626173652e537472696e6753657269616c697a657224537472697224537472696e6753657269616c697a6572536e617073686f74000000032e736753657269616c697a6572244c6f6e675365696e6753657269616c697a657269616c697a6572539200009a6f6d6d6f6e652e537472697a650000")

    @Test func snapshotWithARawNulIsRefused() {
        var r = ByteReader(Self.rawNulInSnapshotPayload)
        #expect(throws: FormatError.self) { try SerializerSnapshot.readTopLevel(from: &r) }
    }

    @Test func nonCanonicalModifiedUTF8IsRefused() {
        for bad: [UInt8] in [[0x00, 0x02, 0x61, 0x00], [0x00, 0x02, 0xC1, 0x81], [0x00, 0x03, 0xED, 0xA0, 0x80]] {
            var r = ByteReader(bad)
            #expect(throws: FormatError.self) { try r.readModifiedUTF8() }
        }
        var ok = ByteReader([0x00, 0x04, 0x61, 0xC0, 0x80, 0x62])
        #expect((try? ok.readModifiedUTF8()) == "a\u{0}b")
    }

    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex, let j = s.index(i, offsetBy: 2, limitedBy: s.endIndex) {
            out.append(UInt8(s[i..<j], radix: 16) ?? 0)
            i = j
        }
        return out
    }
}
