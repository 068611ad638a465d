import Bytes
import Foundation

/// How far a long command has read into a savepoint's state, for a progress line on a terminal.
/// Counted where bytes are read (every stream goes through `Savepoint.openStream`), so every
/// command and form reports progress without knowing about it.
public final class ReadProgress: @unchecked Sendable {
    /// Bytes of state the savepoint's handles record.
    public let total: Int64
    private let lock = NSLock()
    private var read: Int64 = 0

    public init(total: Int64) {
        self.total = max(total, 1)
    }

    public var bytesRead: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return read
    }

    func add(_ n: Int) {
        lock.lock()
        read += Int64(n)
        lock.unlock()
    }
}

/// A byte source that reports what is read from it.
struct CountingByteSource: ByteSource {
    let base: any ByteSource
    let progress: ReadProgress
    var name: String { base.name }
    var size: Int { base.size }

    func read(_ range: Range<Int>) throws -> [UInt8] {
        let bytes = try base.read(range)
        progress.add(bytes.count)
        return bytes
    }

    func reader(_ range: Range<Int>) throws -> ByteReader {
        let r = try base.reader(range)
        progress.add(r.remaining)
        return r
    }

    func read(_ range: Range<Int>, into buffer: inout [UInt8]) throws {
        try base.read(range, into: &buffer)
        progress.add(range.count)
    }
}
