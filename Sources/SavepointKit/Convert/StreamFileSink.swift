import Foundation

/// Appends bytes to a new file through a buffer: how a stream larger than memory is written.
final class StreamFileSink {
    let url: URL
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private static let flushThreshold = 1 << 20

    /// Creates the file; refuses to overwrite one.
    init(url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: url.path) else {
            throw SavepointError.io("\(url.path): cannot create the file")
        }
        self.url = url
        self.handle = handle
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
            try handle.write(contentsOf: bytes)
        } catch {
            throw SavepointError.io("\(url.path): cannot write: \(error.localizedDescription)")
        }
    }

    func close() throws {
        try flush()
        try? handle.close()
    }
}
