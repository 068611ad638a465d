import Bytes
import Testing
@testable import SavepointMetadata

/// Bad input must give a `FormatError`, never a crash, a hang or a huge allocation; and whatever is
/// accepted must still be written back byte for byte.
@Suite struct CorruptionTests {
    /// The same content as the worked example, as V3 (no trailer), so every cut falls inside the body.
    private func version3Sample() throws -> [UInt8] {
        var metadata = try CheckpointMetadata.read(from: workedExampleMetadata())
        metadata.version = 3
        metadata.checkpointProperties = nil
        for i in metadata.operatorStates.indices {
            metadata.operatorStates[i].name = nil
            metadata.operatorStates[i].uid = nil
        }
        return try metadata.serialized()
    }

    @Test func everyTruncationThrows() throws {
        let bytes = try version3Sample()
        for cut in 0..<bytes.count {
            #expect(throws: FormatError.self, "cut at \(cut)") {
                try CheckpointMetadata.read(from: Array(bytes[..<cut]))
            }
        }
        #expect(throws: Never.self) { try CheckpointMetadata.read(from: bytes) }
    }

    @Test func truncationBeforeTheTrailerThrowsForVersion6() throws {
        let bytes = workedExampleMetadata()
        let bodyEnd = bytes.count - canonicalSavepointProperties.count
        for cut in 0..<bodyEnd {
            #expect(throws: FormatError.self, "cut at \(cut)") {
                try CheckpointMetadata.read(from: Array(bytes[..<cut]))
            }
        }
        // A trailer cut short is no valid Java serialization stream: Flink refuses it, and so do we.
        #expect(throws: FormatError.self) { try CheckpointMetadata.read(from: Array(bytes[..<(bodyEnd + 10)])) }
    }

    @Test func everyByteFlipThrowsOrRoundTrips() throws {
        let bytes = try version3Sample()
        for i in bytes.indices {
            for replacement: UInt8 in [bytes[i] ^ 0xFF, bytes[i] &+ 1, 0x7F, 0x80] where replacement != bytes[i] {
                var mutated = bytes
                mutated[i] = replacement
                do {
                    let metadata = try CheckpointMetadata.read(from: mutated)
                    #expect(try metadata.serialized() == mutated, "byte \(i) = \(replacement) parsed but did not round-trip")
                } catch is FormatError {
                    // expected for most flips
                } catch {
                    Issue.record("byte \(i) = \(replacement): unexpected error \(error)")
                }
            }
        }
    }

    @Test func errorsPointAtTheBadByte() throws {
        var bytes = try version3Sample()
        let countOffset = 4 + 4 + 8 + 4                 // magic, version, checkpoint id, master count
        bytes.replaceSubrange(countOffset..<(countOffset + 4), with: [0x7F, 0xFF, 0xFF, 0xFF])
        do {
            _ = try CheckpointMetadata.read(from: bytes)
            Issue.record("a huge operator count must not parse")
        } catch let error as FormatError {
            #expect(error.offset == countOffset)
            #expect(error.message.contains("2147483647"))
        }
    }

    @Test func hugeCountsAreRejectedBeforeAllocating() throws {
        // An offsets array of 2^31-1 key groups, a byte stream of 2^31-1 bytes, a list of 2^31-1 files.
        let bodies: [(inout Encoder) -> Void] = [
            { e in e.i8(7); e.i32(0); e.i32(Int32.max) },
            { e in e.i8(7); e.i32(0); e.i32(1); e.i64(1); e.i8(1); e.utf("n"); e.i32(Int32.max) },
            { e in e.i8(11); e.i64(1); e.utf("b"); e.i32(0); e.i32(1); e.i64(0); e.i8(0); e.i32(Int32.max) },
            { e in e.i8(9); e.i32(0); e.i32(1); e.i64(0); e.i64(0); e.i32(Int32.max) },
        ]
        for body in bodies {
            var e = Encoder()
            e.header(version: 3)
            e.i32(0); e.i32(1)
            e.raw(FlinkHashing.operatorID(forUid: "x")); e.i32(1); e.i32(128); e.i8(0)
            e.i32(1); e.i32(0); e.i32(0); e.i32(0)
            body(&e)
            #expect(throws: FormatError.self) { try CheckpointMetadata.read(from: e.bytes) }
        }
    }

    @Test func deepNestingIsRefused() {
        var e = Encoder()
        e.header(version: 3)
        e.i32(0); e.i32(1)
        e.raw(FlinkHashing.operatorID(forUid: "x")); e.i32(1); e.i32(128); e.i8(0)
        e.i32(1); e.i32(0); e.i32(0); e.i32(0)
        for _ in 0..<10_000 { e.i8(3); e.i32(0); e.i32(0) }   // key-groups handle nested as stream, forever
        e.i8(0)
        do {
            _ = try CheckpointMetadata.read(from: e.bytes)
            Issue.record("deep nesting must be refused")
        } catch let error as FormatError {
            #expect(error.message.contains("nested"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func nonCanonicalStringsAreRefusedRatherThanRewritten() {
        var e = Encoder()
        e.header(version: 5)
        e.i32(0); e.i32(1)
        e.w.writeU16(2); e.raw([0xC1, 0x81])               // overlong "A"
        e.utf("")
        e.raw(Array(repeating: 0, count: 16)); e.i32(1); e.i32(128); e.i8(0); e.i32(0)
        e.raw([0xAC, 0xED])
        #expect(throws: FormatError.self) { try CheckpointMetadata.read(from: e.bytes) }
    }
}
