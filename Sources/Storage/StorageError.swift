/// Why a storage operation failed, in one line: the path and the reason in the storage's own words
/// (`strerror` for local files, the object store's error code for S3).
public struct StorageError: Error, CustomStringConvertible, Sendable, Equatable {
    public var path: String
    /// What was being done and why it failed, e.g. "cannot create: Permission denied".
    public var reason: String
    /// Nothing is there (`ENOENT`, `ENOTDIR`; S3's `NoSuchKey`, `NoSuchBucket`).
    public var isMissing: Bool

    public init(path: String, reason: String, isMissing: Bool = false) {
        self.path = path
        self.reason = reason
        self.isMissing = isMissing
    }

    public var description: String { "\(path): \(reason)" }
}
