import Bytes

/// Where a savepoint's files live: the local file system, or an object store (the `S3Storage`
/// module). Every reader and writer goes through this protocol, so no operation knows which storage
/// it reads, the way `NIOCore` keeps the channel API apart from `NIOPosix`'s sockets.
///
/// Paths are the storage's own: absolute file paths for local storage, `s3://bucket/key` for S3.
/// An object store has no directories; a "directory" there is a key prefix that has objects below it.
public protocol Storage: Sendable {
    /// The scheme this storage serves ("file", "s3"), for messages.
    var scheme: String { get }

    /// What is at `path`: a regular file with its size, a directory (prefix), missing, or unusable
    /// with the reason (`strerror`, or the object store's error code).
    func status(_ path: String) -> FileStatus

    /// Random access to `length` bytes at `offset` of the file at `path` (to its end when `length`
    /// is nil). Errors name `path` and the reason in one line.
    func source(_ path: String, offset: Int, length: Int?) throws -> any ByteSource

    /// The entries directly below `directory` (names only, no path), in byte order of the name.
    func list(_ directory: String) throws -> [StorageEntry]

    /// A new file at `path`, written front to back; it exists under `path` only after `finish()`.
    /// Local storage writes through a file; S3 uploads (multipart above a part size).
    func create(_ path: String) throws -> any StorageWriter

    /// Makes `path` a directory (and its parents). A no-op on an object store.
    func makeDirectory(_ path: String) throws

    /// The storage to read back what this one has just written (the verification of an output):
    /// local storage reads large ranges past the page cache, where its writer wrote them. Default:
    /// this storage.
    var readingBack: any Storage { get }

    /// Removes the file at `path`, or the directory (prefix) and everything below it.
    func remove(_ path: String) throws

    /// Whether `rename` moves a whole directory in one step (local file systems). Where it does
    /// not (object stores), a new savepoint is written in place with `_metadata` last, since a
    /// directory without `_metadata` is no savepoint. Default: false.
    var renamesDirectories: Bool { get }

    /// Moves `from` to `to` in one step; only called where `renamesDirectories` is true.
    func rename(_ from: String, to: String) throws

    /// Writes `prefix`, then the bytes of `sourcePath` in `from` from `offset` to its end, to the
    /// new file `destination` here (how rewrite copies state files it does not change). Default:
    /// through memory in 4 MiB pieces; local storage copies in the kernel between local files.
    func copy(_ sourcePath: String, offset: Int64, in from: any Storage, after prefix: [UInt8],
              to destination: String) throws
}

extension Storage {
    public var renamesDirectories: Bool { false }

    public var readingBack: any Storage { self }

    public func rename(_ from: String, to: String) throws {
        throw StorageError(path: from, action: "cannot rename", reason: "\(scheme) storage has no rename")
    }

    public func copy(_ sourcePath: String, offset: Int64, in from: any Storage, after prefix: [UInt8],
                     to destination: String) throws {
        try copyThroughMemory(sourcePath, offset: offset, in: from, after: prefix, to: destination)
    }

    /// `copy` by reading `from` and writing here, one 4 MiB piece at a time.
    public func copyThroughMemory(_ sourcePath: String, offset: Int64, in from: any Storage, after prefix: [UInt8],
                                  to destination: String) throws {
        let source = try from.source(sourcePath, offset: Int(offset), length: nil)
        let writer = try create(destination)
        do {
            try writer.write(prefix)
            var at = 0
            while at < source.size {
                let end = min(at + (4 << 20), source.size)
                try writer.write(try source.read(at..<end))
                at = end
            }
            try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// `name` inside the directory `directory` (both in this storage's path syntax, `/`-separated).
    public func path(_ name: String, in directory: String) -> String {
        var trimmed = Substring(directory)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return trimmed.hasSuffix("/") ? trimmed + name : trimmed + "/" + name
    }

    /// The directory holding `path`: everything before its last `/` ("" for a bare name).
    public func directory(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }
}

/// One entry of a listing.
public struct StorageEntry: Sendable, Equatable {
    public var name: String
    public var isDirectory: Bool
    /// The size of a file; 0 for a directory.
    public var size: Int64

    public init(name: String, isDirectory: Bool, size: Int64) {
        self.name = name
        self.isDirectory = isDirectory
        self.size = size
    }
}

/// A file being written. Bytes are appended in order; `finish()` makes the file appear whole,
/// `abandon()` (also after a failed `write`) leaves nothing behind.
public protocol StorageWriter: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
    func finish() throws
    func abandon()
}

extension StorageWriter {
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}
