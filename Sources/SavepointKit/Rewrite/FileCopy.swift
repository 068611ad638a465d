import Bytes
import Foundation
import Storage

/// Copies a file byte for byte (optionally with a new beginning: a rewritten stream header in
/// place of the first bytes) through the storages (`Storage.copy`: local files are copied in the
/// kernel), and fingerprints files by size and hash: XXH64 of each 4 MiB chunk seeded with the
/// hash so far, the header and the rest of a file hashed as two parts. Hashing reads one chunk at
/// a time, so the resident set stays small whatever the file size.
enum FileCopy {
    struct Fingerprint: Equatable, Sendable {
        var size: Int64 = 0
        var hash: UInt64 = 0
    }

    static let chunkSize = 4 << 20

    /// Writes `prefix` and then `source` (in `from`) from byte `skip` on to the new file
    /// `destination` (in `to`, which must not exist); returns the fingerprint of what should now
    /// be there, taken from `prefix` and the source (the copy is compared with it when read back).
    static func copy(_ source: String, in from: any Storage, skipping skip: Int64 = 0, after prefix: [UInt8] = [],
                     to destination: String, in to: any Storage) throws -> Fingerprint {
        do {
            try to.copy(source, offset: skip, in: from, after: prefix, to: destination)
        } catch let e as StorageError {
            if e.path == source { throw SavepointError.unreadable(path: source, reason: e.reason) }
            throw SavepointError.io(e.description)
        }
        var expected = Fingerprint()
        prefix.withUnsafeBytes { hash($0, into: &expected) }
        try hashSource(source, in: from, from: Int(skip), into: &expected)
        return expected
    }

    /// The fingerprint of the file at `path`, its first `headerLength` bytes hashed as a part.
    static func fingerprint(_ path: String, in storage: any Storage, headerLength: Int = 0) throws -> Fingerprint {
        var print = Fingerprint()
        try hashSource(path, in: storage, from: 0, upTo: headerLength, into: &print)
        try hashSource(path, in: storage, from: headerLength, into: &print)
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

    /// Hashes the file at `path` from `start` to `end` (its end when nil), one chunk at a time
    /// (chunks are counted from `start`).
    private static func hashSource(_ path: String, in storage: any Storage, from start: Int, upTo end: Int? = nil,
                                   into print: inout Fingerprint) throws {
        let source = try attributing(to: path) { try storage.source(path, offset: 0, length: nil) }
        let stop = min(end ?? source.size, source.size)
        var at = start
        while at < stop {
            let next = min(at + chunkSize, stop)
            let bytes = try attributing(to: path) { try source.read(at..<next) }
            bytes.withUnsafeBytes { hash($0, into: &print) }
            at = next
        }
    }
}
