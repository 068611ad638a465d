import Foundation
import Testing
@testable import Bytes

/// `FileByteSource.read(_:into:)`, what a table walk reads its windows with: the same bytes and
/// errors as `read(_:)`, into the buffer it is given when that is long enough.
struct FileByteSourceTests {
    static func file(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "bytesource-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func readsIntoTheBufferGiven() throws {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let path = try Self.file(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = try FileByteSource(path: path)
        var buffer: [UInt8] = []
        // Shorter than the range: replaced by one of the range's length.
        try source.read(100..<4196, into: &buffer)
        #expect(buffer == Array(bytes[100..<4196]))
        // Long enough: read into its storage, the bytes after the range left as they were.
        let storage = buffer.withUnsafeBufferPointer { $0.baseAddress }
        try source.read(9000..<10_000, into: &buffer)
        #expect(buffer.withUnsafeBufferPointer { $0.baseAddress } == storage)
        #expect(buffer.count == 4096)
        #expect(Array(buffer.prefix(1000)) == Array(bytes[9000..<10_000]))
        #expect(Array(buffer[1000...]) == Array(bytes[1100..<4196]))
    }

    @Test func refusesWhatReadRefuses() throws {
        let path = try Self.file(Array(repeating: 1, count: 100))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = try FileByteSource(path: path)
        var buffer = [UInt8](repeating: 0, count: 200)
        for range in [50..<101, -1..<10, 100..<300] {
            let expected = #expect(throws: FormatError.self) { _ = try source.read(range) }
            let error = #expect(throws: FormatError.self) { try source.read(range, into: &buffer) }
            #expect(error?.message == expected?.message && error?.offset == expected?.offset, "\(range)")
        }
    }
}
