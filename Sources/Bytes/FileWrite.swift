#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why `writeFully` stopped: the bytes written before the failed `write`, and its `errno`.
public struct WriteFailure: Error, Sendable {
    public var written: Int
    public var code: Int32
    /// The OS's words for `code` (`strerror`).
    public var reason: String { String(cString: strerror(code)) }
}

/// Writes all of `bytes` to `fd`, again after a short write or `EINTR`; nil when done, else where
/// and why it failed. Every file and pipe writer calls this, each naming its own error.
public func writeFully(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> WriteFailure? {
    var done = 0
    while done < bytes.count {
        let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
        if n < 0, errno == EINTR { continue }
        guard n > 0 else { return WriteFailure(written: done, code: errno) }
        done += n
    }
    return nil
}
