import Foundation
import LSMFormat
import SavepointMetadata
import Storage

/// State that nothing restores or reads, what a Flink user would clean up. Four kinds:
/// - `file`: a file under the directory holding `_metadata` that `_metadata` does not reference
///   (a savepoint's leftovers of a failed copy or an earlier write; for a retained checkpoint only
///   its `chk-N` directory is looked at, as `shared/` and `taskowned/` hold other checkpoints' files).
///   Its bytes are not in `totalBytes`.
/// - `column-family`: a column family of a RocksDB instance that no state in the instance's meta
///   info names (`default`, which Flink never writes to, excepted): RocksDB keeps it, no state reads it.
/// - `table`: an SST file the state handle lists that the instance's MANIFEST does not (RocksDB
///   never opens it). Its bytes are in its subtask's keyed bytes.
/// - `empty-state`: a keyed state registered in the meta info with no entry in the whole savepoint
///   (a descriptor the job registers but never writes, or a state of an earlier job version carried
///   along). Timer services (every keyed operator has them, pending timers or not) are not orphans.
///   Listed only when the report covers every subtask (no `--subtasks`).
public struct Orphan: Codable, Sendable, Equatable {
    public var kind: String
    /// The file's path, the column family's, table's or state's name.
    public var name: String
    public var `operator`: String?
    public var subtask: Int?
    public var bytes: Int64

    public init(kind: String, name: String, operator: String? = nil, subtask: Int? = nil, bytes: Int64) {
        self.kind = kind
        self.name = name
        self.operator = `operator`
        self.subtask = subtask
        self.bytes = bytes
    }

    /// Files under `directory` of `storage` not in `referenced` (paths as resolved), `_metadata` excepted.
    static func files(under directory: String, in storage: any Storage, referenced: Set<String>) -> [Orphan] {
        let known = Set(referenced.map(canonical))
        var out: [Orphan] = []
        func walk(_ directory: String) {
            for entry in (try? storage.list(directory)) ?? [] {
                let path = canonical(storage.path(entry.name, in: directory))
                if entry.isDirectory {
                    walk(path)
                } else if !known.contains(path), entry.name != Savepoint.metadataFileName {
                    // Files only, readable or not (no device, no dangling link).
                    switch storage.status(path) {
                    case .regularFile, .unusable: out.append(Orphan(kind: "file", name: path, bytes: entry.size))
                    default: break
                    }
                }
            }
        }
        walk(canonical(directory))
        return out.sorted { $0.name < $1.name }
    }

    /// A local path with its symbolic links resolved, so a file is known however it is reached; an
    /// object's URI as it is.
    private static func canonical(_ path: String) -> String {
        path.contains("://") ? path : URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    /// A RocksDB instance's column families without a state, and the tables its handle lists that
    /// its MANIFEST does not.
    static func inInstance(_ db: FlinkRocksDBState, handle: IncrementalRemoteKeyedStateHandle, operator name: String,
                           subtask: Int, tableBytes: (String) -> Int64) -> [Orphan] {
        var out = db.columnFamilies.filter { $0.stateIndex == nil && $0.name != "default" }.map { cf in
            Orphan(kind: "column-family", name: cf.name, operator: name, subtask: subtask,
                   bytes: cf.files.reduce(Int64(0)) { $0 + Int64(clamping: $1.file.size) })
        }
        let live = Set(db.columnFamilies.flatMap { $0.files.map(\.file.fileName) })
        for file in handle.sharedState + handle.privateState where file.localPath.hasSuffix(".sst") && !live.contains(file.localPath) {
            out.append(Orphan(kind: "table", name: file.localPath, operator: name, subtask: subtask, bytes: tableBytes(file.localPath)))
        }
        return out
    }
}
