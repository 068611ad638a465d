import Testing
@testable import LSMFormat

/// `ByteScratch` copies an appended run of 8 to 16 bytes as two overlapping words and the others
/// with `memcpy`: every length must append exactly its bytes, after any prefix kept.
@Suite struct ByteScratchTests {
    @Test func appendingAfterATruncationGivesThePrefixAndTheNewBytes() {
        var scratch = ByteScratch()
        var expected: [UInt8] = []
        for round in 0..<60 {
            let keep = min(expected.count, (round * 5) % 13)
            scratch.truncate(to: keep)
            expected.removeSubrange(keep...)
            let suffix = (0..<(round % 25)).map { UInt8(truncatingIfNeeded: round &* 31 &+ $0) }
            suffix.withUnsafeBufferPointer { scratch.append($0) }
            expected += suffix
            #expect(scratch.array == expected, "round \(round), kept \(keep), appended \(suffix.count)")
            #expect(scratch.count == expected.count)
        }
    }
}
