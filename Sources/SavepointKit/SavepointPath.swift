import Bytes
import Foundation
import Storage

/// How a path the user gives leads to `_metadata`: a savepoint directory, its `_metadata` file, a
/// retained checkpoint's `chk-N` directory, or a `file:` URI of any of them (Flink prints
/// `file:/tmp/savepoints/savepoint-1a2b3c-4d5e6f7a8b9c` when a savepoint completes). Every refusal
/// names the path and the OS's reason.
enum SavepointPath {
    /// The local path behind `given`: `file:/a`, `file:///a` and `file://localhost/a` are `/a`.
    static func local(_ given: String) throws -> String {
        guard !given.isEmpty else { throw SavepointError.usage("the savepoint path is empty") }
        guard given.lowercased().hasPrefix("file:") else { return given }
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

    /// The `_metadata` file `path` leads to in `storage`.
    static func metadataFile(of path: String, in storage: any Storage) throws -> String {
        switch storage.status(path) {
        case .regularFile:
            return path
        case let .missing(reason), let .unusable(reason):
            throw SavepointError.unreadable(path: path, reason: reason)
        case let .special(what):
            throw SavepointError.notASavepoint(path: path, reason: "is \(what), expected a savepoint directory or its _metadata file")
        case .directory:
            break
        }
        let candidate = storage.path(Savepoint.metadataFileName, in: path)
        switch storage.status(candidate) {
        case .regularFile:
            return candidate
        case .directory:
            throw SavepointError.notASavepoint(path: candidate, reason: "is a directory, expected the _metadata file")
        case let .special(what):
            throw SavepointError.notASavepoint(path: candidate, reason: "is \(what), expected the _metadata file")
        case let .unusable(reason):
            throw SavepointError.unreadable(path: candidate, reason: reason)
        case .missing:
            let names: [String]
            do {
                names = try storage.list(path).map(\.name)
            } catch let e as StorageError {
                throw SavepointError.unreadable(path: path, reason: e.reason)
            }
            if let newest = newestCheckpoint(in: path, names: names, storage: storage) {
                throw SavepointError.notASavepoint(
                    path: path, reason: "a job's checkpoint directory; its newest retained checkpoint is \(newest)")
            }
            throw SavepointError.notASavepoint(path: path, reason: "the directory has no \(Savepoint.metadataFileName) file")
        }
    }

    /// The `chk-N` with the highest N among `names` under `directory` that holds a `_metadata` file.
    static func newestCheckpoint(in directory: String, names: [String], storage: any Storage) -> String? {
        let numbered = names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("chk-"), let n = Int(name.dropFirst(4)) else { return nil }
            return (n, storage.path(name, in: directory))
        }
        return numbered.sorted { $0.0 > $1.0 }.first {
            storage.status(storage.path(Savepoint.metadataFileName, in: $0.1)).isRegularFile
        }?.1
    }
}
