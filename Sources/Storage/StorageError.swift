/// Why a storage operation failed, in one line: the path, what was being done, and the reason in
/// the storage's own words (`strerror` for local files, the object store's error code for S3).
public struct StorageError: Error, CustomStringConvertible, Sendable, Equatable {
    public var path: String
    /// What failed, e.g. "cannot create", "cannot list".
    public var action: String
    /// Why, e.g. "Permission denied", "NoSuchBucket".
    public var reason: String
    /// Nothing is there (`ENOENT`, `ENOTDIR`; S3's `NoSuchKey`, `NoSuchBucket`).
    public var isMissing: Bool

    public init(path: String, action: String, reason: String, isMissing: Bool = false) {
        self.path = path
        self.action = action
        self.reason = reason
        self.isMissing = isMissing
    }

    public var description: String { "\(path): \(action): \(reason)" }
}
