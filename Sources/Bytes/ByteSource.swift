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
}

extension ByteSource {
    func check(_ range: Range<Int>) throws {
        guard range.lowerBound >= 0, range.upperBound <= size else {
            throw FormatError(file: name, offset: max(range.lowerBound, 0),
                              "expected \(range.count) bytes at offset \(range.lowerBound), but the stream has \(size) bytes")
        }
    }

    /// A reader over `range`, whose offsets (for errors) are those of the stream.
    public func reader(_ range: Range<Int>) throws -> ByteReader {
        ByteReader(try read(range), baseOffset: range.lowerBound)
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

    public init(path: String, offset: Int = 0, length: Int? = nil) throws {
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
    }

    deinit { close(fd) }

    public func read(_ range: Range<Int>) throws -> [UInt8] {
        try check(range)
        var out = [UInt8](repeating: 0, count: range.count)
        var done = 0
        try out.withUnsafeMutableBytes { buf in
            while done < range.count {
                let n = pread(fd, buf.baseAddress! + done, range.count - done, off_t(base + range.lowerBound + done))
                if n < 0, errno == EINTR { continue }
                guard n > 0 else {
                    throw FormatError(file: name, offset: range.lowerBound + done,
                                      n == 0 ? "unexpected end of file" : "read failed: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
        return out
    }
}
