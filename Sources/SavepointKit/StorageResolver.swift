import Foundation
import Storage

/// The one place where a path the user gives becomes a storage and a path in it: a local path or
/// `file:` URI is the local file system; a URI with another scheme (`s3://bucket/key`) goes to the
/// storage registered for that scheme. The kit registers none but local: the binary registers the
/// object stores it is built with (`S3Storage` registers `s3`, `s3a` and `s3p`), so the kit never
/// depends on them.
public final class StorageResolver: @unchecked Sendable {
    /// Makes the storage for a URI of its scheme (called once per path; it may share a client).
    public typealias Factory = @Sendable (_ uri: String) throws -> any Storage

    public static let shared = StorageResolver()

    private let lock = NSLock()
    private var factories: [String: Factory] = [:]

    public init() {}

    /// Serves `schemes` (lowercase, without `://`) with `factory` from now on.
    public func register(schemes: [String], _ factory: @escaping Factory) {
        lock.lock()
        defer { lock.unlock() }
        for scheme in schemes { factories[scheme.lowercased()] = factory }
    }

    /// The storage `given` lives in and its path there: a local path (a `file:` URI made a plain
    /// path), or the URI itself for a registered scheme. An unregistered scheme is refused.
    public func resolve(_ given: String) throws -> (storage: any Storage, path: String) {
        if let scheme = Self.scheme(of: given), scheme != "file" {
            lock.lock()
            let factory = factories[scheme]
            lock.unlock()
            guard let factory else {
                throw SavepointError.unsupported("\(given): \(scheme):// is not supported in this build (only local paths and file: URIs)")
            }
            return (try factory(given), given)
        }
        return (LocalStorage(), try SavepointPath.local(given))
    }

    /// Like `resolve`, for a directory to be written: a local path is made absolute and
    /// standardized, as messages and reports name it.
    public func resolveOutput(_ given: String) throws -> (storage: any Storage, path: String) {
        let (storage, path) = try resolve(given)
        guard storage is LocalStorage else { return (storage, path) }
        return (storage, URL(fileURLWithPath: path).standardizedFileURL.path)
    }

    /// The lowercased scheme of a `scheme://…` URI, or `file` for a `file:` URI; nil for a path.
    static func scheme(of given: String) -> String? {
        if given.lowercased().hasPrefix("file:") { return "file" }
        guard let separator = given.range(of: "://") else { return nil }
        let scheme = given[..<separator.lowerBound]
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber }) else { return nil }
        return scheme.lowercased()
    }
}
