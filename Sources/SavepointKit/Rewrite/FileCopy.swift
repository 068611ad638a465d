import Bytes
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Copies a file byte for byte (optionally with a new beginning: a rewritten stream header in
/// place of the first bytes), and hashes files, in 4 MiB chunks of the output: XXH64 of each
/// chunk seeded with the hash so far. A copy is hashed as it is written, so it costs no second
/// read of the source, and reading the copy back gives the same chunks and hash.
enum FileCopy {
    struct Fingerprint: Equatable, Sendable {
        var size: Int64
        var hash: UInt64
    }

    static let chunkSize = 4 << 20

    /// Writes `prefix` and then `source` from byte `skip` on to the new file `destination`
    /// (which must not exist), and returns the fingerprint of what was written.
    static func copy(_ source: String, skipping skip: Int64 = 0, after prefix: [UInt8] = [],
                     to destination: String) throws -> Fingerprint {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw SavepointError.unreadable(path: source, reason: String(cString: strerror(errno))) }
        defer { close(input) }
        if skip > 0, lseek(input, off_t(skip), SEEK_SET) < 0 {
            throw SavepointError.unreadable(path: source, reason: String(cString: strerror(errno)))
        }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw SavepointError.io("\(destination): cannot create: \(String(cString: strerror(errno)))") }
        defer { close(output) }
        return try chunks(prefix: prefix, of: input, path: source) { chunk in
            var done = 0
            while done < chunk.count {
                let n = write(output, chunk.baseAddress! + done, chunk.count - done)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { throw SavepointError.io("\(destination): cannot write: \(String(cString: strerror(errno)))") }
                done += n
            }
        }
    }

    /// The fingerprint of the file at `path`.
    static func fingerprint(_ path: String) throws -> Fingerprint {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SavepointError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        return try chunks(of: fd, path: path) { _ in }
    }

    /// `prefix`, then `fd` to its end, in full chunks (the last may be short), each hashed and
    /// handed to `body`.
    private static func chunks(prefix: [UInt8] = [], of fd: Int32, path: String,
                               _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Fingerprint {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        var print = Fingerprint(size: 0, hash: 0)
        var filled = 0
        func flush() throws {
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<filled])
            print.hash = XXHash.xxh64(chunk, seed: print.hash)
            print.size += Int64(filled)
            try body(chunk)
            filled = 0
        }
        var pending = prefix[...]
        while !pending.isEmpty {
            let n = min(pending.count, chunkSize - filled)
            UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<filled + n]).copyBytes(from: pending.prefix(n))
            filled += n
            pending = pending.dropFirst(n)
            if filled == chunkSize { try flush() }
        }
        while true {
            let n = read(fd, buffer.baseAddress! + filled, chunkSize - filled)
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw SavepointError.unreadable(path: path, reason: String(cString: strerror(errno))) }
            filled += n
            if n == 0 || filled == chunkSize {
                if filled > 0 { try flush() }
                if n == 0 { return print }
            }
        }
    }
}
