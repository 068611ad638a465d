import Bytes
import FlinkSerialization

/// Turns an error thrown by a reader into the file, offset and message of a finding.
enum FindingErrors {
    static func describe(_ error: any Error) -> (file: String?, offset: Int?, message: String) {
        switch error {
        case let e as FormatError:
            return (e.file, e.offset, e.message)
        case let SavepointError.format(e):
            return (e.file, e.offset, e.message)
        case let SavepointError.missingFile(path, _, _):
            return (path, nil, "missing file")
        case let SavepointError.unreadable(path, reason):
            return (path, nil, "cannot read: \(reason)")
        case let SavepointError.notASavepoint(path, reason):
            return (path, nil, "not a savepoint: \(reason)")
        default:
            return (nil, nil, "\(error)")
        }
    }

    /// A value for a one-line message, cut to a readable length.
    static func render(_ value: Value) -> String {
        let text = ValueJSON.text(value)
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }
}
