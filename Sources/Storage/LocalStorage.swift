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
    /// Whether large ranges are read with direct I/O (`FileByteSource.directReads`).
    let readsDirectly: Bool

    public init() { readsDirectly = false }

    init(readsDirectly: Bool) { self.readsDirectly = readsDirectly }

    public var scheme: String { "file" }

    /// Large files this storage writes skip the page cache (`LocalFileWriter`); reading one back
    /// through it would fill the cache with a copy of each byte read once.
    public var readingBack: any Storage { LocalStorage(readsDirectly: true) }

    /// `stat`, and for a regular file whether this process may open it (what `stat` alone cannot
    /// tell: a file without read permission, or below a directory without it).
    public func status(_ path: String) -> FileStatus { FileStatus.readable(path) }

    public func source(_ path: String, offset: Int, length: Int?) throws -> any ByteSource {
        try FileByteSource(path: path, offset: offset, length: length, directReads: readsDirectly)
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

/// A new local file being written (`abandon()` removes it); a large one past the page cache. Its
/// first `directAfter` bytes are written as files always were (`_metadata`, most tables and streams
/// of small savepoints end within them). Past them (from the next page boundary) the file switches
/// to direct I/O (`O_DIRECT`, Linux): bytes are gathered in an aligned buffer of `directChunk` and
/// written a chunk at a time, the tail buffered at the end. Copying a gigabyte-sized output into
/// the page cache cost more CPU than producing it (`copy_folio_from_iter_atomic` was 40 % of a
/// `schema migrate` of 1 GB, on a VM where each new page cache page is also a fault in the host),
/// and evicted the user's cached files for bytes read once, by the verification. Where the file
/// system refuses direct I/O (tmpfs, some network file systems), the file is written buffered.
final class LocalFileWriter: StorageWriter {
    let path: String
    private var fd: Int32
    static let chunkSize = 4 << 20
    /// The size past which a file is written directly, and the aligned buffer it is written from.
    static let directAfter = 8 << 20
    static let directChunk = 2 << 20
    static let alignment = 4096
    /// Bytes handed to the file so far (while buffered).
    private var written = 0
    private var staging: UnsafeMutableRawBufferPointer?
    private var staged = 0
    private(set) var mode = Mode.buffered
    /// `buffered`: the file may still switch to direct I/O; `direct`: it has; `final`: it stays buffered.
    enum Mode { case buffered, direct, final }

    init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
        #if !os(Linux)
        mode = .final
        #endif
    }

    deinit {
        if fd >= 0 { close(fd) }
        staging?.deallocate()
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw StorageError(path: path, action: "cannot write", reason: "the file is closed") }
        var rest = bytes
        if mode == .buffered, written + rest.count > Self.directAfter {
            // Up to a page boundary as before, then direct if the file system takes it.
            let head = min(rest.count, (Self.alignment - written % Self.alignment) % Self.alignment)
            try writeBuffered(UnsafeRawBufferPointer(rebasing: rest[..<head]))
            rest = UnsafeRawBufferPointer(rebasing: rest[head...])
            #if os(Linux)
            mode = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | directIOFlag) == 0 ? .direct : .final
            #endif
        }
        guard mode == .direct else {
            try writeBuffered(rest)
            written += rest.count
            return
        }
        let buffer = staging ?? UnsafeMutableRawBufferPointer.allocate(byteCount: Self.directChunk, alignment: Self.alignment)
        staging = buffer
        while !rest.isEmpty {
            let n = min(rest.count, buffer.count - staged)
            (buffer.baseAddress! + staged).copyMemory(from: rest.baseAddress!, byteCount: n)
            staged += n
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
            if staged == buffer.count { try writeStaged() }
        }
    }

    /// The staging buffer out: directly, or buffered once the file system refused.
    private func writeStaged() throws {
        var done = 0
        while let failure = writeFully(fd, UnsafeRawBufferPointer(rebasing: staging![done..<staged])) {
            // EINVAL: accepted by fcntl, refused by the file system (or an odd length after a short write).
            guard failure.code == EINVAL, mode == .direct else { throw LocalStorage.failure(path, "cannot write", failure.code) }
            leaveDirect()
            done += failure.written
        }
        staged = 0
    }

    /// What is staged out (buffered), the buffer freed; the file stays buffered from here on.
    private func leaveDirect() {
        #if os(Linux)
        if mode == .direct { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~directIOFlag) }
        #endif
        mode = .final
    }

    private func endDirect() throws {
        guard mode == .direct else { return }
        leaveDirect()
        try writeStaged()
        staging?.deallocate()
        staging = nil
    }

    private func writeBuffered(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        if let failure = writeFully(fd, bytes) { throw StorageError(path: path, action: "cannot write", reason: failure.reason) }
    }

    func finish() throws {
        guard fd >= 0 else { return }
        defer { fd = -1 }
        do {
            try endDirect()
        } catch {
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw LocalStorage.failure(path, "cannot write", errno) }
    }

    func abandon() {
        if fd >= 0 { close(fd) }
        fd = -1
        unlink(path)
    }

    /// `input` from `offset` to its end appended, in the kernel where it can.
    func copyRange(from input: Int32, at offset: Int64, source: String) throws {
        // Whatever was written before goes out first; the file stays buffered from here on.
        try endDirect()
        mode = .final
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

