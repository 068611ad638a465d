#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Bytes

private func systemClose(_ fd: Int32) -> Int32 { close(fd) }

/// Where a `TableBuilder` streams the table's bytes, block by block, so a table of any size is
/// written with only the current block in memory.
public protocol TableSink: AnyObject {
    func write(_ bytes: [UInt8]) throws
}

/// Collects a table in memory (small tables, tests, tables inlined into `_metadata`).
public final class MemoryTableSink: TableSink {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ bytes: [UInt8]) throws { self.bytes += bytes }
}

/// Writes a table to a new file (created or truncated). Call `close()` when the builder is done.
public final class FileTableSink: TableSink {
    public let path: String
    private var fd: Int32

    public init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw FormatError(file: path, offset: 0, "cannot create: \(String(cString: strerror(errno)))")
        }
    }

    deinit { if fd >= 0 { _ = systemClose(fd) } }

    public func write(_ bytes: [UInt8]) throws {
        guard fd >= 0 else { throw FormatError(file: path, offset: 0, "write after close") }
        if let failure = bytes.withUnsafeBytes({ writeFully(fd, $0) }) {
            throw FormatError(file: path, offset: failure.written, "write failed: \(failure.reason)")
        }
    }

    /// Flushes the file to disk (`fsync`) and closes it.
    public func close(sync: Bool = false) throws {
        guard fd >= 0 else { return }
        defer { fd = -1 }
        if sync, fsync(fd) != 0 {
            _ = systemClose(fd)
            throw FormatError(file: path, offset: 0, "fsync failed: \(String(cString: strerror(errno)))")
        }
        guard systemClose(fd) == 0 else {
            throw FormatError(file: path, offset: 0, "close failed: \(String(cString: strerror(errno)))")
        }
    }
}
