import Bytes
import Foundation

/// How a path the user gives leads to `_metadata`: a savepoint directory, its `_metadata` file, a
/// retained checkpoint's `chk-N` directory, or a `file:` URI of any of them (Flink prints
/// `file:/tmp/savepoints/savepoint-1a2b3c-4d5e6f7a8b9c` when a savepoint completes). Every refusal
/// names the path and the OS's reason.
enum SavepointPath {
    /// The local path behind `given`: `file:/a`, `file:///a` and `file://localhost/a` are `/a`.
    static func local(_ given: String) throws -> String {
        guard !given.isEmpty else { throw SavepointError.usage("the savepoint path is empty") }
        guard given.lowercased().hasPrefix("file:") else {
            if let scheme = given.range(of: "://").map({ String(given[..<$0.lowerBound]) }),
               !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber }) {
                throw SavepointError.unsupported("\(given): only local paths and file: URIs are read (not \(scheme):)")
            }
            return given
        }
        var rest = given.dropFirst("file:".count)
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let authority = rest.prefix { $0 != "/" }
            guard authority.isEmpty || authority == "localhost" else {
                throw SavepointError.unsupported("\(given): a file: URI on another host (\(authority))")
            }
            rest = rest.dropFirst(authority.count)
        }
        guard rest.hasPrefix("/") else { throw SavepointError.usage("\(given): a file: URI needs an absolute path") }
        return rest.removingPercentEncoding ?? String(rest)
    }

    /// The `_metadata` file `path` leads to.
    static func metadataFile(of path: String) throws -> String {
        switch FileStatus.of(path) {
        case .regularFile:
            return path
        case let .missing(reason), let .unusable(reason):
            throw SavepointError.unreadable(path: path, reason: reason)
        case let .special(what):
            throw SavepointError.notASavepoint(path: path, reason: "is \(what), expected a savepoint directory or its _metadata file")
        case .directory:
            break
        }
        let candidate = (path as NSString).appendingPathComponent(Savepoint.metadataFileName)
        switch FileStatus.of(candidate) {
        case .regularFile:
            return candidate
        case .directory:
            throw SavepointError.notASavepoint(path: candidate, reason: "is a directory, expected the _metadata file")
        case let .special(what):
            throw SavepointError.notASavepoint(path: candidate, reason: "is \(what), expected the _metadata file")
        case let .unusable(reason):
            throw SavepointError.unreadable(path: candidate, reason: reason)
        case .missing:
            if case let .unusable(reason) = FileStatus.listable(path) {
                throw SavepointError.unreadable(path: path, reason: reason)
            }
            if let newest = newestCheckpoint(in: path) {
                throw SavepointError.notASavepoint(
                    path: path, reason: "a job's checkpoint directory; its newest retained checkpoint is \(newest)")
            }
            throw SavepointError.notASavepoint(path: path, reason: "the directory has no \(Savepoint.metadataFileName) file")
        }
    }

    /// The `chk-N` with the highest N under `directory` that holds a `_metadata` file.
    static func newestCheckpoint(in directory: String) -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let numbered = names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("chk-"), let n = Int(name.dropFirst(4)) else { return nil }
            return (n, (directory as NSString).appendingPathComponent(name))
        }
        return numbered.sorted { $0.0 > $1.0 }.first {
            FileStatus.of(($0.1 as NSString).appendingPathComponent(Savepoint.metadataFileName)).isRegularFile
        }?.1
    }
}
