import Testing
@testable import FlinkSerialization

/// The emitter's buffer: it grows past its capacity, moves off memory it borrowed when that is too
/// small, and `append(to:)` adds nothing when its body throws.
@Suite struct JSONEmitterTests {
    static let long = String(repeating: "ab\"\n", count: 5000)
    static let longJSON = "\"" + String(repeating: #"ab\"\n"#, count: 5000) + "\""

    @Test func growsPastItsCapacity() {
        var out = JSONEmitter(capacity: 1)
        out.string(Self.long)
        out.integer(Int64.min)
        #expect(String(decoding: out.bytes, as: UTF8.self) == Self.longJSON + "-9223372036854775808")
    }

    @Test func outgrowsBorrowedMemoryWithoutTouchingItAgain() {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 8) { buffer in
            buffer.initialize(repeating: 0xEE)
            var out = JSONEmitter(borrowing: buffer)
            out.write("[1,")
            out.string(Self.long)
            out.byte(UInt8(ascii: "]"))
            #expect(String(decoding: out.bytes, as: UTF8.self) == "[1," + Self.longJSON + "]")
            // The borrowed bytes held the start until the move (and are not freed by the emitter).
            #expect(Array(buffer.prefix(3)) == Array("[1,".utf8))
        }
    }

    struct Stop: Error {}

    @Test func appendAddsNothingWhenItsBodyThrows() {
        var line = Array("x".utf8)
        #expect(throws: Stop.self) {
            try JSONEmitter.append(to: &line) { out in
                out.write("partial")
                throw Stop()
            }
        }
        JSONEmitter.append(to: &line) { $0.value(.list([.int(1), .null])) }
        #expect(String(decoding: line, as: UTF8.self) == "x[1,null]")
    }
}
