import Bytes
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Copies a file byte for byte (optionally with a new beginning: a rewritten stream header in
/// place of the first bytes) the way `cp` does, in the kernel (`copy_file_range`, falling back to
/// read/write), and fingerprints files by size and hash: XXH64 of each 4 MiB chunk seeded with
/// the hash so far, the header and the rest of a file hashed as two parts. Hashing reads the
/// files through memory maps of 16 MiB windows (populated at once), so it copies nothing and the
/// resident set stays small whatever the file size.
enum FileCopy {
    struct Fingerprint: Equatable, Sendable {
        var size: Int64 = 0
        var hash: UInt64 = 0
    }

    static let chunkSize = 4 << 20
    static let windowSize = 16 << 20

    /// Writes `prefix` and then `source` from byte `skip` on to the new file `destination`
    /// (which must not exist); returns the fingerprint of what should now be there, taken from
    /// `prefix` and the source (the copy is compared with it when read back).
    static func copy(_ source: String, skipping skip: Int64 = 0, after prefix: [UInt8] = [],
                     to destination: String) throws -> Fingerprint {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw SavepointError.unreadable(path: source, reason: String(cString: strerror(errno))) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw SavepointError.io("\(destination): cannot create: \(String(cString: strerror(errno)))") }
        defer { close(output) }
        var expected = Fingerprint()
        try prefix.withUnsafeBytes { bytes in
            try writeAll(bytes, to: output, path: destination)
            hash(bytes, into: &expected)
        }
        try copyRange(from: input, at: skip, to: output, source: source, destination: destination)
        try hashFile(input, from: skip, path: source, into: &expected)
        return expected
    }

    /// The fingerprint of the file at `path`, its first `headerLength` bytes hashed as a part.
    static func fingerprint(_ path: String, headerLength: Int = 0) throws -> Fingerprint {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SavepointError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var print = Fingerprint()
        if headerLength > 0 {
            var header = [UInt8](repeating: 0, count: headerLength)
            let n = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress, headerLength, 0) }
            guard n >= 0 else { throw SavepointError.unreadable(path: path, reason: String(cString: strerror(errno))) }
            header.withUnsafeBytes { hash(UnsafeRawBufferPointer(rebasing: $0[0..<n]), into: &print) }
        }
        try hashFile(fd, from: Int64(headerLength), path: path, into: &print)
        return print
    }

    /// Chains the hashes of `bytes`' 4 MiB chunks onto `print`.
    private static func hash(_ bytes: UnsafeRawBufferPointer, into print: inout Fingerprint) {
        var at = 0
        while at < bytes.count {
            let end = min(at + chunkSize, bytes.count)
            print.hash = XXHash.xxh64(UnsafeRawBufferPointer(rebasing: bytes[at..<end]), seed: print.hash)
            at = end
        }
        print.size += Int64(bytes.count)
    }

    /// Hashes `fd` from `start` to its end through 16 MiB memory-mapped windows (a window starts
    /// at a page boundary; its bytes before `start` are skipped).
    private static func hashFile(_ fd: Int32, from start: Int64, path: String, into print: inout Fingerprint) throws {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SavepointError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        let size = Int64(st.st_size)
        let page = Int64(sysconf(Int32(_SC_PAGESIZE)))
        var at = start
        // Chunks are counted from `start`, not from the window, so windows must hold whole chunks.
        while at < size {
            let mapStart = at - at % page
            let length = Int(min(Int64(windowSize) + (at - mapStart), size - mapStart))
            guard let base = mmap(nil, length, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, off_t(mapStart)), base != MAP_FAILED else {
                throw SavepointError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            defer { munmap(base, length) }
            let skip = Int(at - mapStart)
            hash(UnsafeRawBufferPointer(start: base + skip, count: length - skip), into: &print)
            at = mapStart + Int64(length)
        }
    }

    /// `source` from `offset` to its end appended to `output`, in the kernel where it can.
    private static func copyRange(from input: Int32, at offset: Int64, to output: Int32,
                                  source: String, destination: String) throws {
        var position = off_t(offset)
        while let kernelCopy = Self.kernelCopy {
            let n = kernelCopy(input, &position, output, nil, 1 << 30, 0)
            if n > 0 { continue }
            if n == 0 { return }
            if errno == EINTR { continue }
            if errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP { break }
            throw SavepointError.io("\(destination): cannot copy \(source): \(String(cString: strerror(errno)))")
        }
        // The kernel cannot copy between these files: through a buffer.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = pread(input, buffer.baseAddress, chunkSize, position)
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw SavepointError.unreadable(path: source, reason: String(cString: strerror(errno))) }
            if n == 0 { return }
            try writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), to: output, path: destination)
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

    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32, path: String) throws {
        if let failure = writeFully(fd, bytes) { throw SavepointError.io("\(path): cannot write: \(failure.reason)") }
    }
}
