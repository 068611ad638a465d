import Foundation
import Storage

/// Appends bytes to a new file through a buffer: how a stream larger than memory is written.
final class StreamFileSink {
    let path: String
    private let writer: any StorageWriter
    private var buffer: [UInt8] = []
    private static let flushThreshold = 1 << 20

    /// Creates the file; refuses to overwrite one.
    init(_ path: String, in storage: any Storage) throws {
        do {
            writer = try storage.create(path)
        } catch let e as StorageError {
            throw SavepointError.io("\(path): cannot create the file: \(e.reason)")
        }
        self.path = path
        buffer.reserveCapacity(Self.flushThreshold)
    }

    func write(_ bytes: [UInt8]) throws {
        // Large pieces (a key group's block) go straight to the file, not through the buffer.
        if bytes.count >= Self.flushThreshold {
            try flush()
            return try writeToFile(bytes)
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try writeToFile(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeToFile(_ bytes: [UInt8]) throws {
        do {
            try writer.write(bytes)
        } catch let e as StorageError {
            throw SavepointError.io("\(path): cannot write: \(e.reason)")
        }
    }

    /// Writes what is buffered and makes the file whole.
    func close() throws {
        try flush()
        try writer.finish()
    }

    /// Leaves nothing behind (after a failure).
    func abandon() { writer.abandon() }
}
