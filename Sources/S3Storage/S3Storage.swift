// Storage on S3 and S3-compatible servers (moto, MinIO, Ceph), paths `s3://bucket/key` (also
// `s3a://`, `s3p://`, as Flink's file systems write them).
//
// An object store has no directories: a "directory" is a key prefix with objects below it
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-folders.html).
//
//   status          HeadObject; when there is no object, ListObjectsV2 of "key/" (one key): any = directory
//   list            ListObjectsV2 with prefix "key/" and delimiter "/", every page (continuation tokens)
//   source          ranged GETs with read-ahead (S3ByteSource.swift); HeadObject first when the length is open
//   create          PutObject, or a multipart upload above the part size (S3Writer.swift)
//   makeDirectory   nothing to do
//   remove          DeleteObject of the key, then DeleteObjects of every key under "key/", 1000 a request
//
// Configuration from the environment and the AWS files (S3Configuration.swift); the wire and the
// retries in S3Client.swift; signatures in SigV4.swift; XML in S3XML.swift.

import Bytes
import NIOCore
import Storage

public final class S3Storage: Storage {
    /// How requests are sized and how many run at once.
    public struct Tuning: Sendable {
        /// Bytes per ranged GET.
        public var chunkSize = 8 << 20
        /// Chunks requested ahead of a reader that goes forward.
        public var readAhead = 4
        /// Bytes per part of a multipart upload (at least 5 MiB); smaller objects are one PUT.
        public var partSize = 8 << 20
        /// Parts uploaded at once per writer.
        public var partsInFlight = 4
        /// Attempts per request (first try included) on 5xx answers and failed connections.
        public var maxAttempts = 4
        /// The first retry's delay; each further one doubles (with jitter).
        public var retryDelay: Duration = .milliseconds(100)
        /// Keys per ListObjectsV2 page; nil: the server's (S3: 1000, its maximum).
        public var listPageSize: Int? = nil

        public init() {}
    }

    public let scheme = "s3"
    public let configuration: S3Configuration
    public let tuning: Tuning
    let client: S3Client

    public init(configuration: S3Configuration = .fromEnvironment(), tuning: Tuning = Tuning()) {
        self.configuration = configuration
        self.tuning = tuning
        self.client = S3Client(configuration: configuration, maxAttempts: tuning.maxAttempts,
                               baseDelay: .nanoseconds(tuning.retryDelay.components.seconds * 1_000_000_000
                                   + tuning.retryDelay.components.attoseconds / 1_000_000_000))
    }

    func parse(_ path: String) throws -> S3Path {
        guard let parsed = S3Path(path) else {
            throw S3Error(object: path, code: "InvalidURL", message: "expected s3://bucket/key (or s3a://, s3p://)")
        }
        return parsed
    }

    public func status(_ path: String) -> FileStatus {
        do {
            let location = try parse(path)
            if !location.key.isEmpty, !location.key.hasSuffix("/") {
                do {
                    let head = try client.wait(client.head(location))
                    let size = head.headers.first(name: "content-length").flatMap { Int64($0) } ?? 0
                    return .regularFile(size: size)
                } catch let error as S3Error where error.status == 404 {
                    // Not an object: maybe a prefix (the listing below also tells a missing bucket).
                } catch let error as S3Error where error.status == 403 || error.status == 400 {
                    // HEAD has no body: ask with a GET of one byte for S3's code.
                    return .unusable(reason(try explain(location, error)))
                }
            }
            let page = try client.wait(client.listPage(bucket: location.bucket, prefix: location.directoryPrefix,
                                                       delimiter: "/", token: nil, maxKeys: 1))
            if !page.objects.isEmpty || !page.prefixes.isEmpty || location.key.isEmpty { return .directory }
            return .missing("NoSuchKey: no object and no objects below it")
        } catch let error as S3Error {
            return error.code == "NoSuchBucket" || error.code == "NoSuchKey" ? .missing(reason(error)) : .unusable(reason(error))
        } catch {
            return .unusable("\(error)")
        }
    }

    /// The error of a bodiless answer, with S3's code from a one-byte GET of the same object.
    private func explain(_ location: S3Path, _ error: S3Error) throws -> S3Error {
        do {
            _ = try client.wait(client.get(location, offset: 0, length: 1))
            return error
        } catch let detailed as S3Error {
            return detailed
        }
    }

    /// The reason of a FileStatus: S3's code and message, without the object (the caller names it).
    private func reason(_ error: S3Error) -> String {
        let full = error.description
        let prefix = "\(error.object): "
        return full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : full
    }

    public func source(_ path: String, offset: Int, length: Int?) throws -> any ByteSource {
        let location = try parse(path)
        var size = length ?? -1
        if length == nil {
            let head: S3Response
            do { head = try client.wait(client.head(location)) } catch let error as S3Error where error.status != 0 {
                throw try explain(location, error)
            }
            let objectSize = head.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
            guard offset >= 0, offset <= objectSize else {
                throw FormatError(file: location.description, offset: objectSize,
                                  "expected bytes at offset \(offset), but the object has \(objectSize) bytes")
            }
            size = objectSize - offset
        }
        return S3ByteSource(client: client, path: location, base: offset, size: size,
                            chunkSize: tuning.chunkSize, readAhead: tuning.readAhead)
    }

    public func list(_ directory: String) throws -> [StorageEntry] {
        let location = try parse(directory)
        do { return try list(location, directory) } catch let error as S3Error { throw error.about(location) }
    }

    private func list(_ location: S3Path, _ directory: String) throws -> [StorageEntry] {
        let prefix = location.directoryPrefix
        var entries: [StorageEntry] = []
        var token: String?
        repeat {
            let page = try client.wait(client.listPage(bucket: location.bucket, prefix: prefix, delimiter: "/", token: token,
                                                       maxKeys: tuning.listPageSize))
            for object in page.objects where object.key != prefix {
                entries.append(StorageEntry(name: String(object.key.dropFirst(prefix.count)), isDirectory: false, size: object.size))
            }
            for sub in page.prefixes {
                entries.append(StorageEntry(name: String(sub.dropFirst(prefix.count).dropLast()), isDirectory: true, size: 0))
            }
            token = page.continuationToken
        } while token != nil
        if entries.isEmpty, !prefix.isEmpty, case .missing = status(directory) {
            throw S3Error(object: location.description, code: "NoSuchKey", message: "no objects below this prefix")
        }
        return entries.sorted { Array($0.name.utf8).lexicographicallyPrecedes($1.name.utf8) }
    }

    public func create(_ path: String) throws -> any StorageWriter {
        let location = try parse(path)
        guard !location.key.isEmpty, !location.key.hasSuffix("/") else {
            throw S3Error(object: location.description, code: "InvalidKey", message: "cannot write an object without a name")
        }
        return S3Writer(client: client, path: location, partSize: tuning.partSize, partsInFlight: tuning.partsInFlight)
    }

    public func makeDirectory(_ path: String) throws {
        _ = try parse(path)
    }

    /// Deletes the object at `path` and every object below `path/`. Nothing there is not an error
    /// (S3's own DeleteObject is idempotent); a missing bucket is.
    public func remove(_ path: String) throws {
        let location = try parse(path)
        do { try remove(location) } catch let error as S3Error { throw error.about(location) }
    }

    private func remove(_ location: S3Path) throws {
        if !location.key.isEmpty, !location.key.hasSuffix("/") {
            try client.wait(client.deleteObject(location))
        }
        // Always the first page again: what was deleted is gone from it, so no token is needed.
        while true {
            let page = try client.wait(client.listPage(bucket: location.bucket, prefix: location.directoryPrefix,
                                                       delimiter: nil, token: nil, maxKeys: tuning.listPageSize))
            let keys = page.objects.map(\.key)
            var start = 0
            while start < keys.count {
                let batch = Array(keys[start..<min(start + 1000, keys.count)])
                try client.wait(client.deleteObjects(bucket: location.bucket, keys: batch))
                start += batch.count
            }
            if keys.isEmpty || page.continuationToken == nil { break }
        }
    }
}
