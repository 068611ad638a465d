#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Bytes

private func systemRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }

/// The local file system, through POSIX calls: `pread` for ranged reads (`FileByteSource`),
/// `readdir` for listings, `copy_file_range` for copies between local files. Paths are file paths.
public struct LocalStorage: Storage {
    public init() {}

    public var scheme: String { "file" }

    /// `stat`, and for a regular file whether this process may open it (what `stat` alone cannot
    /// tell: a file without read permission, or below a directory without it).
    public func status(_ path: String) -> FileStatus { FileStatus.readable(path) }

    public func source(_ path: String, offset: Int, length: Int?) throws -> any ByteSource {
        try FileByteSource(path: path, offset: offset, length: length)
    }

    public func list(_ directory: String) throws -> [StorageEntry] {
        guard let dir = opendir(directory) else { throw Self.failure(directory, "cannot list", errno) }
        defer { closedir(dir) }
        var entries: [StorageEntry] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            switch FileStatus.of(path(name, in: directory)) {
            case .directory: entries.append(StorageEntry(name: name, isDirectory: true, size: 0))
            case let .regularFile(size): entries.append(StorageEntry(name: name, isDirectory: false, size: size))
            default: entries.append(StorageEntry(name: name, isDirectory: false, size: 0))
            }
        }
        return entries.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    /// Writes straight to `path` (created, never overwriting): a savepoint being written lives in
    /// a temporary directory that is renamed into place whole, so no half file is ever seen.
    public func create(_ path: String) throws -> any StorageWriter {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.failure(path, "cannot create", errno) }
        return LocalFileWriter(path: path, fd: fd)
    }

    public func makeDirectory(_ path: String) throws {
        if FileStatus.of(path) == .directory { return }
        let parent = directory(of: path)
        if !parent.isEmpty, parent != path { try makeDirectory(parent) }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw Self.failure(path, "cannot create", errno) }
    }

    /// Removes a file, or a directory with everything below it (symbolic links are removed, not
    /// followed). Nothing there is no error.
    public func remove(_ path: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return }
            throw Self.failure(path, "cannot remove", errno)
        }
        if st.st_mode & S_IFMT == S_IFDIR {
            for entry in try list(path) { try remove(self.path(entry.name, in: path)) }
            guard rmdir(path) == 0 || errno == ENOENT else { throw Self.failure(path, "cannot remove", errno) }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw Self.failure(path, "cannot remove", errno) }
        }
    }

    public var renamesDirectories: Bool { true }

    public func rename(_ from: String, to: String) throws {
        guard systemRename(from, to) == 0 else {
            throw StorageError(path: from, action: "cannot rename to \(to)", reason: String(cString: strerror(errno)))
        }
    }

    /// Between local files the kernel copies (`copy_file_range`, falling back to read and write
    /// where it cannot, e.g. across file systems); from another storage, through memory.
    public func copy(_ sourcePath: String, offset: Int64, in from: any Storage, after prefix: [UInt8],
                     to destination: String) throws {
        guard from is LocalStorage else {
            return try copyThroughMemory(sourcePath, offset: offset, in: from, after: prefix, to: destination)
        }
        let input = open(sourcePath, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw Self.failure(sourcePath, "cannot read", errno) }
        defer { close(input) }
        let writer = try create(destination) as! LocalFileWriter
        do {
            try prefix.withUnsafeBytes { try writer.write($0) }
            try writer.copyRange(from: input, at: offset, source: sourcePath)
            try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
    }

    static func failure(_ path: String, _ what: String, _ code: Int32) -> StorageError {
        StorageError(path: path, action: what, reason: String(cString: strerror(code)), isMissing: code == ENOENT || code == ENOTDIR)
    }
}

/// A new local file being written; `abandon()` removes it.
final class LocalFileWriter: StorageWriter {
    let path: String
    private var fd: Int32
    static let chunkSize = 4 << 20

    init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { if fd >= 0 { close(fd) } }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw StorageError(path: path, action: "cannot write", reason: "the file is closed") }
        if let failure = writeFully(fd, bytes) { throw StorageError(path: path, action: "cannot write", reason: failure.reason) }
    }

    func finish() throws {
        guard fd >= 0 else { return }
        defer { fd = -1 }
        guard close(fd) == 0 else { throw LocalStorage.failure(path, "cannot write", errno) }
    }

    func abandon() {
        if fd >= 0 { close(fd) }
        fd = -1
        unlink(path)
    }

    /// `input` from `offset` to its end appended, in the kernel where it can.
    func copyRange(from input: Int32, at offset: Int64, source: String) throws {
        var position = off_t(offset)
        while let kernelCopy = Self.kernelCopy {
            let n = kernelCopy(input, &position, fd, nil, 1 << 30, 0)
            if n > 0 { continue }
            if n == 0 { return }
            if errno == EINTR { continue }
            if errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP { break }
            throw StorageError(path: path, action: "cannot copy \(source)", reason: String(cString: strerror(errno)))
        }
        // The kernel cannot copy between these files: through a buffer.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = pread(input, buffer.baseAddress, Self.chunkSize, position)
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw LocalStorage.failure(source, "cannot read", errno) }
            if n == 0 { return }
            try write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            position += off_t(n)
        }
    }

    /// glibc's `copy_file_range` (2.27+), which the Swift Glibc module does not declare (it is a
    /// GNU extension); nil where the C library has none.
    private typealias CopyFileRange = @convention(c) (Int32, UnsafeMutablePointer<off_t>?, Int32,
                                                      UnsafeMutablePointer<off_t>?, Int, UInt32) -> Int
    private static let kernelCopy: CopyFileRange? = {
        #if os(Linux)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "copy_file_range") else { return nil }
        return unsafeBitCast(symbol, to: CopyFileRange.self)
        #else
        return nil
        #endif
    }()
}
