/// An object (or prefix) named by URL: `s3://bucket/key`, also written by Flink's file systems as
/// `s3a://` (Hadoop's S3A) and `s3p://` (Presto's). The key is everything after the bucket's "/",
/// unescaped, as S3 stores it.
public struct S3Path: Sendable, Equatable, CustomStringConvertible {
    public var bucket: String
    public var key: String

    public static let schemes = ["s3", "s3a", "s3p"]

    public init(bucket: String, key: String) {
        self.bucket = bucket
        self.key = key
    }

    /// nil when `url` is not an S3 URL with a bucket.
    public init?(_ url: String) {
        guard let colon = url.range(of: "://") else { return nil }
        let scheme = url[..<colon.lowerBound].lowercased()
        guard Self.schemes.contains(scheme) else { return nil }
        let rest = url[colon.upperBound...]
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let bucket = String(rest[..<slash])
        guard !bucket.isEmpty else { return nil }
        self.bucket = bucket
        self.key = slash == rest.endIndex ? "" : String(rest[rest.index(after: slash)...])
    }

    /// Whether `url` names S3 storage (any of the three schemes).
    public static func isS3(_ url: String) -> Bool { S3Path(url) != nil }

    /// The key as a directory prefix: "" for the bucket's root, otherwise ending in "/".
    public var directoryPrefix: String {
        key.isEmpty || key.hasSuffix("/") ? key : key + "/"
    }

    /// Always spelled `s3://` in messages, whichever scheme named it.
    public var description: String { key.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(key)" }
}
