import Foundation
import S3Storage
import SavepointKit

/// The object stores this binary reads and writes besides local files, registered with the kit's
/// `StorageResolver` before any path is resolved (the kit itself depends on none of them).
enum ObjectStores {
    /// `s3://`, `s3a://`, `s3p://` (as Flink's file systems write them): one client for every path
    /// of the run, configured as the AWS tools are (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_PROFILE, ...).
    static func register() {
        let s3 = LazyS3Storage()
        StorageResolver.shared.register(schemes: S3Path.schemes) { _ in s3.storage }
    }
}

/// The S3 storage, made on the first `s3://` path only: local runs start no HTTP client.
final class LazyS3Storage: @unchecked Sendable {
    private let lock = NSLock()
    private var made: S3Storage?

    var storage: S3Storage {
        lock.lock()
        defer { lock.unlock() }
        if let made { return made }
        let storage = S3Storage()
        made = storage
        return storage
    }
}
