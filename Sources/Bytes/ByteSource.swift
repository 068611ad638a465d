#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random access to the bytes of one state stream: a file on disk or bytes inlined in `_metadata`.
///
/// Readers ask for the ranges they need (a header, one key group), so memory follows the largest
/// range read, never the size of the stream.
public protocol ByteSource: Sendable {
    /// Name for error messages: a file path or an inline handle's name.
    var name: String { get }
    var size: Int { get }
    /// The bytes in `range`; throws `FormatError` when the range lies outside the stream.
    func read(_ range: Range<Int>) throws -> [UInt8]
    /// A reader over `range`, whose offsets (for errors) are those of the stream. Default: over `read(range)`.
    func reader(_ range: Range<Int>) throws -> ByteReader
    /// The bytes in `range` into the first `range.count` bytes of `buffer` (which may be longer),
    /// reusing its storage where it is large enough and not shared: for a walk that reads one
    /// window after another. Default: `buffer = read(range)`.
    func read(_ range: Range<Int>, into buffer: inout [UInt8]) throws
}

extension ByteSource {
    func check(_ range: Range<Int>) throws {
        guard range.lowerBound >= 0, range.upperBound <= size else {
            throw FormatError(file: name, offset: max(range.lowerBound, 0),
                              "expected \(range.count) bytes at offset \(range.lowerBound), but the stream has \(size) bytes")
        }
    }

    public func reader(_ range: Range<Int>) throws -> ByteReader {
        ByteReader(try read(range), baseOffset: range.lowerBound)
    }

    public func read(_ range: Range<Int>, into buffer: inout [UInt8]) throws {
        buffer = try read(range)
    }
}

/// A stream held in memory (an inline byte-stream handle).
public struct InMemoryByteSource: ByteSource {
    public let name: String
    public let bytes: [UInt8]
    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }
    public var size: Int { bytes.count }
    public func read(_ range: Range<Int>) throws -> [UInt8] {
        try check(range)
        return Array(bytes[range])
    }
}

/// A stream in a file, read with `pread` so concurrent readers need no shared position.
public final class FileByteSource: ByteSource {
    public let name: String
    public let size: Int
    /// Where this stream starts inside the file (segment handles share one file).
    let base: Int
    let fd: Int32
    /// The file opened for direct I/O (`directReads`), or -1.
    let directFD: Int32
    /// Whether large ranges are read past the page cache (asked for, and the file system allows it).
    public var readsDirectly: Bool { directFD >= 0 }

    /// `directReads`: readers over ranges of `directReadMinimum` bytes or more read them with direct
    /// I/O (`O_DIRECT`, Linux), past the page cache: for reading back a file just written past it
    /// (`LocalFileWriter`), where buffered reads cost a page cache page per 4 KiB and a copy.
    /// Where the file system refuses direct I/O, reads are buffered.
    public init(path: String, offset: Int = 0, length: Int? = nil, directReads: Bool = false) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw FormatError(file: path, offset: 0, "cannot open: \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            close(fd)
            throw FormatError(file: path, offset: 0, "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            let what = st.st_mode & S_IFMT == S_IFDIR ? "is a directory" : "is not a regular file"
            throw FormatError(file: path, offset: 0, "cannot read: \(what)")
        }
        let fileSize = Int(st.st_size)
        let length = length ?? (fileSize - offset)
        guard offset >= 0, length >= 0, offset + length <= fileSize else {
            close(fd)
            throw FormatError(file: path, offset: fileSize,
                              "expected \(length) bytes at offset \(offset), but the file has \(fileSize) bytes")
        }
        name = path
        base = offset
        size = length
        // Opened last (the checks above close only `fd`), and only where a range can be large
        // enough: a second descriptor per small file would count against the limit of open files.
        #if os(Linux)
        directFD = directReads && length >= Self.directReadMinimum ? open(path, O_RDONLY | O_CLOEXEC | directIOFlag) : -1
        #else
        directFD = -1
        #endif
    }

    deinit {
        close(fd)
        if directFD >= 0 { close(directFD) }
    }

    public static let directReadMinimum = 1 << 20
    /// Offsets, lengths and memory of direct reads are aligned to this (a page: every device's
    /// logical block size divides it).
    static let directAlignment = 4096

    public func reader(_ range: Range<Int>) throws -> ByteReader {
        guard directFD >= 0, range.count >= Self.directReadMinimum else {
            return ByteReader(try read(range), baseOffset: range.lowerBound)
        }
        try check(range)
        let a = Self.directAlignment
        let from = base + range.lowerBound, to = base + range.upperBound
        let alignedFrom = from & ~(a - 1), alignedTo = (to + a - 1) & ~(a - 1)
        var lead = 0
        var failure: Int32 = 0
        // The aligned range read into the array's storage at its first aligned address: the
        // reader starts `lead` bytes in. No zeroing, no second copy.
        let storage = [UInt8](unsafeUninitializedCapacity: alignedTo - alignedFrom + a) { buffer, count in
            let pad = (a - Int(bitPattern: buffer.baseAddress) % a) % a
            // The file may end before `alignedTo`: enough when `to` was reached.
            let (done, error) = Self.readFully(directFD, into: buffer.baseAddress.map { $0 + pad }, count: alignedTo - alignedFrom, at: alignedFrom)
            if alignedFrom + done < to { failure = error == 0 ? -1 : error }
            lead = pad + from - alignedFrom
            count = pad + done
        }
        guard failure == 0 else {
            // Refused at read time (some file systems accept O_DIRECT at open), or an error
            // the buffered read reports in its words.
            return ByteReader(try read(range), baseOffset: range.lowerBound)
        }
        return ByteReader(storage: storage, start: lead, end: lead + range.count, baseOffset: range.lowerBound - lead)
    }

    /// Into `buffer`'s storage when it holds `range` (no new pages to fault in per window),
    /// else into a new array.
    public func read(_ range: Range<Int>, into buffer: inout [UInt8]) throws {
        guard buffer.count >= range.count else {
            buffer = try read(range)
            return
        }
        try check(range)
        let (done, error) = buffer.withUnsafeMutableBufferPointer {
            Self.readFully(fd, into: $0.baseAddress, count: range.count, at: base + range.lowerBound)
        }
        guard done == range.count else { throw readError(range, done: done, error: error) }
    }

    private func readError(_ range: Range<Int>, done: Int, error: Int32) -> FormatError {
        FormatError(file: name, offset: range.lowerBound + done,
                    error == 0 ? "unexpected end of file" : "read failed: \(String(cString: strerror(error)))")
    }

    public func read(_ range: Range<Int>) throws -> [UInt8] {
        try check(range)
        // Not zeroed first: every byte is read into (a short read throws).
        return try [UInt8](unsafeUninitializedCapacity: range.count) { buf, count in
            let (done, error) = Self.readFully(fd, into: buf.baseAddress, count: range.count, at: base + range.lowerBound)
            guard done == range.count else { throw readError(range, done: done, error: error) }
            count = done
        }
    }

    /// `count` bytes at `offset` read into `buffer`, again after a short read or `EINTR`: how many
    /// were read (fewer at the end of the file, or on an error) and the error (0: none).
    private static func readFully(_ fd: Int32, into buffer: UnsafeMutablePointer<UInt8>?, count: Int, at offset: Int) -> (Int, Int32) {
        var done = 0
        while done < count {
            let n = pread(fd, buffer! + done, count - done, off_t(offset + done))
            if n < 0, errno == EINTR { continue }
            if n < 0 { return (done, errno) }
            if n == 0 { break }
            done += n
        }
        return (done, 0)
    }
}

#if os(Linux)
/// `O_DIRECT`, which the Swift Glibc module leaves out (glibc defines it under `_GNU_SOURCE`):
/// its value in the kernel's `asm/fcntl.h` of each architecture.
#if arch(arm64) || arch(arm)
public let directIOFlag: Int32 = 0o200000
#else
public let directIOFlag: Int32 = 0o40000
#endif
#endif
