#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Bytes

/// Appends JSON Lines into one reusable buffer and writes it out in large chunks: per-line
/// Foundation serialization cannot keep up with hundreds of MB/s.
public final class JSONLinesOutput {
    let fd: Int32
    var buffer: [UInt8] = []
    let flushThreshold: Int
    /// Lines written so far.
    public private(set) var lineCount = 0

    /// Everything written, when the output collects in memory (`fileDescriptor` -1; for tests and
    /// for callers that compare dumps).
    public internal(set) var collected: [UInt8] = []

    /// Where full buffers go instead of `fd`, with the number of lines in them: a piece of a dump
    /// rendered side by side with others (`OrderedChunkWriter`). The sink takes the buffer and
    /// leaves an empty one in its place (a recycled one: a fresh large buffer costs page faults).
    let sink: ((_ chunk: inout [UInt8], _ lines: Int) throws -> Void)?
    /// Lines in `buffer`.
    private var bufferedLines = 0

    public init(fileDescriptor: Int32, flushThreshold: Int = 1 << 20) {
        fd = fileDescriptor
        self.flushThreshold = flushThreshold
        sink = nil
        buffer.reserveCapacity(flushThreshold + 4096)
    }

    init(flushThreshold: Int, sink: @escaping (_ chunk: inout [UInt8], _ lines: Int) throws -> Void) {
        fd = -1
        self.flushThreshold = flushThreshold
        self.sink = sink
        buffer.reserveCapacity(flushThreshold + 4096)
    }

    /// Adds one line built by `body` (which appends the JSON object's bytes) and a newline.
    public func line(_ body: (inout [UInt8]) -> Void) throws {
        body(&buffer)
        buffer.append(0x0A)
        lineCount += 1
        bufferedLines += 1
        if buffer.count >= flushThreshold { try flush() }
    }

    /// An output that keeps its lines in `collected`.
    public static func inMemory() -> JSONLinesOutput { JSONLinesOutput(fileDescriptor: -1) }

    public func flush() throws {
        if let sink {
            let lines = bufferedLines
            bufferedLines = 0
            return try sink(&buffer, lines)
        }
        try writeOut(buffer)
        buffer.removeAll(keepingCapacity: true)
        bufferedLines = 0
    }

    /// Lines rendered elsewhere (whole lines, `lines` of them), after the ones written so far.
    /// Flushed where adding them one by one flushes (after the line that fills the buffer), so
    /// that what is out when a later error stops the dump is the same.
    func append(chunk: [UInt8], lines: Int) throws {
        try chunk.withUnsafeBufferPointer { c in
            guard let base = c.baseAddress else { return }
            var start = 0
            while start < c.count {
                // The line that fills the buffer ends at the first newline from here on.
                let from = start + max(1, flushThreshold - buffer.count) - 1
                guard from < c.count, let newline = memchr(base + from, 0x0A, c.count - from) else {
                    buffer.append(contentsOf: UnsafeBufferPointer(rebasing: c[start...]))
                    break
                }
                let end = UnsafePointer(newline.assumingMemoryBound(to: UInt8.self)) - base + 1
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: c[start..<end]))
                try flush()
                start = end
            }
        }
        lineCount += lines
    }

    private func writeOut(_ bytes: [UInt8]) throws {
        if fd < 0 {
            collected.append(contentsOf: bytes)
            return
        }
        guard let failure = bytes.withUnsafeBytes({ writeFully(fd, $0) }) else { return }
        // A closed pipe (`| head`) is the reader's choice, not an error of ours.
        if failure.code == EPIPE { throw OutputClosed() }
        throw SavepointError.io("cannot write output: \(failure.reason)")
    }
}

/// The reader of our output went away (e.g. `| head`); stop quietly.
public struct OutputClosed: Error {}
