import Bytes

/// Why a savepoint could not be read or a command could not run. Every case says which file.
public enum SavepointError: Error, CustomStringConvertible {
    /// Bytes that do not follow the format: file, offset, what was expected.
    case format(FormatError)
    /// A path that does not lead to a savepoint.
    case notASavepoint(path: String, reason: String)
    /// A file the metadata references that is not there: where it was looked for, and the path
    /// `_metadata` records (which differs for a moved savepoint or a checkpoint's `shared/` file).
    case missingFile(path: String, recorded: String?, referencedBy: String)
    /// A file or directory the OS refuses to read; `reason` is its own (`strerror`) or the file's kind.
    case unreadable(path: String, reason: String)
    case io(String)
    /// Input that is valid but uses a feature this version does not read yet.
    case unsupported(String)
    case usage(String)

    public var description: String {
        switch self {
        case let .format(e): return e.description
        case let .notASavepoint(path, reason): return "\(path): not a savepoint: \(reason)"
        case let .missingFile(path, recorded, by):
            let as_ = recorded.flatMap { $0 == path ? nil : " (recorded as \($0))" } ?? ""
            return "\(path): missing file\(as_), referenced by \(by)"
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        case let .io(m): return m
        case let .unsupported(m): return "not supported: \(m)"
        case let .usage(m): return m
        }
    }
}

/// Runs `body`, turning format errors into `SavepointError.format` attributed to `file`.
func attributing<T>(to file: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as FormatError {
        throw SavepointError.format(e.file == nil ? e.located(in: file) : e)
    }
}
