import Bytes
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Copies a file byte for byte, and hashes files, in 4 MiB chunks: XXH64 of each chunk seeded
/// with the hash so far, so the copy's source hash costs no second read and a copy read back is
/// compared by size and hash.
enum FileCopy {
    struct Fingerprint: Equatable, Sendable {
        var size: Int64
        var hash: UInt64
    }

    static let chunkSize = 4 << 20

    /// Copies `source` to the new file `destination` (which must not exist) and returns the
    /// fingerprint of what was read.
    static func copy(_ source: String, to destination: String) throws -> Fingerprint {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw SavepointError.unreadable(path: source, reason: String(cString: strerror(errno))) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw SavepointError.io("\(destination): cannot create: \(String(cString: strerror(errno)))") }
        defer { close(output) }
        return try chunks(of: input, path: source) { chunk in
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

    /// Reads `fd` to its end in chunks, hashing each and handing it to `body`.
    private static func chunks(of fd: Int32, path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Fingerprint {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        var print = Fingerprint(size: 0, hash: 0)
        while true {
            let n = read(fd, buffer.baseAddress, chunkSize)
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw SavepointError.unreadable(path: path, reason: String(cString: strerror(errno))) }
            if n == 0 { return print }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            print.hash = XXHash.xxh64(chunk, seed: print.hash)
            print.size += Int64(n)
            try body(chunk)
        }
    }
}
