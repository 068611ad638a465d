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

    public init(fileDescriptor: Int32, flushThreshold: Int = 1 << 20) {
        fd = fileDescriptor
        self.flushThreshold = flushThreshold
        buffer.reserveCapacity(flushThreshold + 4096)
    }

    /// Adds one line built by `body` (which appends the JSON object's bytes) and a newline.
    public func line(_ body: (inout [UInt8]) -> Void) throws {
        body(&buffer)
        buffer.append(0x0A)
        lineCount += 1
        if buffer.count >= flushThreshold { try flush() }
    }

    /// An output that keeps its lines in `collected`.
    public static func inMemory() -> JSONLinesOutput { JSONLinesOutput(fileDescriptor: -1) }

    public func flush() throws {
        if fd < 0 {
            collected.append(contentsOf: buffer)
            buffer.removeAll(keepingCapacity: true)
            return
        }
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                // A closed pipe (`| head`) is the reader's choice, not an error of ours.
                if errno == EPIPE { throw OutputClosed() }
                throw SavepointError.io("cannot write output: \(String(cString: strerror(errno)))")
            }
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// The reader of our output went away (e.g. `| head`); stop quietly.
public struct OutputClosed: Error {}
