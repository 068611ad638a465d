/// A request S3 refused or that did not complete, in one line naming the object and S3's error
/// code (NoSuchKey, NoSuchBucket, AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, ...), or
/// what went wrong on the connection.
///
/// Codes: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
public struct S3Error: Error, CustomStringConvertible, Sendable, Equatable {
    /// `s3://bucket/key` (or `s3://bucket`) the request was about.
    public var object: String
    /// S3's code, or a code of ours for failures without one ("ConnectionFailed", "ShortRead").
    public var code: String
    /// S3's message, or what happened.
    public var message: String
    /// The HTTP status, 0 when no response came.
    public var status: Int
    /// How many attempts were made (retries on 5xx and dropped connections).
    public var attempts: Int

    public init(object: String, code: String, message: String, status: Int = 0, attempts: Int = 1) {
        self.object = object
        self.code = code
        self.message = message
        self.status = status
        self.attempts = attempts
    }

    public var description: String {
        var line = "\(object): \(code)"
        if !message.isEmpty { line += ": \(message)" }
        var details: [String] = []
        if status != 0 { details.append("HTTP \(status)") }
        if attempts > 1 { details.append("after \(attempts) attempts") }
        if !details.isEmpty { line += " (\(details.joined(separator: ", ")))" }
        return line.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// The same error naming `path` when the request was about its bucket (a listing).
    func about(_ path: S3Path) -> S3Error {
        var error = self
        if object == "s3://\(path.bucket)" { error.object = path.description }
        return error
    }

    /// The code S3 gives when a HEAD (which has no body) fails with this status.
    static func codeForStatus(_ status: Int) -> String {
        switch status {
        case 301: return "PermanentRedirect"
        case 400: return "BadRequest"
        case 403: return "AccessDenied"
        case 404: return "NoSuchKey"
        case 416: return "InvalidRange"
        case 500: return "InternalError"
        case 503: return "ServiceUnavailable"
        default: return "HTTP\(status)"
        }
    }
}
