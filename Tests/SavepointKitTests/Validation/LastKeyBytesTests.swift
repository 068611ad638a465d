import Testing
@testable import SavepointKit

/// The last key hashed (`LastKeyBytes`): keys of 8 to 16 bytes are copied and compared as two
/// overlapping words, the others with `memcpy`/`memcmp`; every length must answer as a bytewise
/// prefix test does.
@Suite struct LastKeyBytesTests {
    @Test func aKeyIsAPrefixOfItsBytesAndOfNothingThatDiffersInOneByte() {
        for length in 1...24 {
            let key = (0..<length).map { UInt8(truncatingIfNeeded: 7 &* $0 &+ length) }
            var last = LastKeyBytes()
            key.withUnsafeBufferPointer { last.set($0) }
            #expect(last.array == key, "length \(length)")
            (key + [0x2C, 0x01]).withUnsafeBufferPointer { #expect(last.isPrefix(of: $0), "length \(length)") }
            key.withUnsafeBufferPointer { #expect(last.isPrefix(of: $0), "length \(length)") }
            Array(key.dropLast()).withUnsafeBufferPointer { #expect(!last.isPrefix(of: $0), "shorter, length \(length)") }
            for i in 0..<length {
                var other = key + [0]
                other[i] ^= 0x80
                other.withUnsafeBufferPointer { #expect(!last.isPrefix(of: $0), "byte \(i) of \(length) differs") }
            }
        }
    }

    @Test func aShorterKeyAfterALongerOneKeepsOnlyItsOwnBytes() {
        var last = LastKeyBytes()
        let long = [UInt8](repeating: 0xAB, count: 40)
        let short: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        long.withUnsafeBufferPointer { last.set($0) }
        short.withUnsafeBufferPointer { last.set($0) }
        #expect(last.array == short)
        (short + long).withUnsafeBufferPointer { #expect(last.isPrefix(of: $0)) }
        long.withUnsafeBufferPointer { #expect(!last.isPrefix(of: $0)) }
    }

    @Test func noKeyIsAPrefixOfNothing() {
        let last = LastKeyBytes()
        [UInt8]([1, 2, 3]).withUnsafeBufferPointer { #expect(!last.isPrefix(of: $0)) }
    }
}
