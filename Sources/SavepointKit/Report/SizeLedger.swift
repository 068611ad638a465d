import Bytes
import SavepointMetadata
import Storage

/// Gives every byte of every referenced file to exactly one owner (an operator's coordinator, or
/// a subtask's keyed, operator or channel state), so that the owners' bytes sum to the files' sizes
/// on disk. A handle claims its recorded length of its file; what a file holds beyond its claims
/// (or all of it, when the claims are larger) goes to its first claim, and inline state (bytes in
/// `_metadata`) is counted with `_metadata`: its claims (kept to name an LSM instance's inline
/// files) are marked `inMetadata` and own no file bytes.
struct SizeLedger {
    enum Bucket { case coordinator, keyed, operatorState, channel }

    struct Claim {
        var op: Int
        var subtask: Int
        var bucket: Bucket
        /// The LSM file's name in the RocksDB instance, or nil.
        var part: String?
        var handleIndex: Int
        var path: String
        var length: Int64
        var bytes: Int64 = 0
        /// Bytes inline in `_metadata` (`bytes` is their count then, and counts with `_metadata`).
        var inMetadata = false
    }

    private(set) var claims: [Claim] = []
    private(set) var missing: [String] = []

    init(_ savepoint: Savepoint) {
        for (o, op) in savepoint.metadata.operatorStates.enumerated() {
            if let coordinator = op.coordinatorState {
                claim(coordinator, op: o, subtask: -1, bucket: .coordinator, in: savepoint)
            }
            for entry in op.subtaskStates {
                guard let state = entry.state else { continue }
                let s = entry.subtaskIndex
                for handle in [state.managedOperatorState, state.rawOperatorState].compactMap({ $0 }) {
                    handle.delegate.leafStreams.forEach { claim($0, op: o, subtask: s, bucket: .operatorState, in: savepoint) }
                }
                for (i, keyed) in [state.managedKeyedState, state.rawKeyedState].enumerated() {
                    switch keyed {
                    case nil: continue
                    case let .incrementalRemote(h)?:
                        for leaf in h.metaDataState?.leafStreams ?? [] {
                            claim(leaf, op: o, subtask: s, bucket: .keyed, part: "meta data", handleIndex: i, in: savepoint)
                        }
                        for file in h.sharedState + h.privateState {
                            for leaf in file.handle?.leafStreams ?? [] {
                                claim(leaf, op: o, subtask: s, bucket: .keyed, part: file.localPath, handleIndex: i, in: savepoint)
                            }
                        }
                    case let other?:
                        other.streamStateHandles.forEach { claim($0, op: o, subtask: s, bucket: .keyed, handleIndex: i, in: savepoint) }
                    }
                }
                for channel in state.inputChannelState + state.resultSubpartitionState {
                    channel.delegate.leafStreams.forEach { claim($0, op: o, subtask: s, bucket: .channel, in: savepoint) }
                }
            }
        }
        allocate(in: savepoint.storage)
    }

    private mutating func claim(_ handle: StreamStateHandle, op: Int, subtask: Int, bucket: Bucket, part: String? = nil,
                                handleIndex: Int = 0, in savepoint: Savepoint) {
        switch try? savepoint.location.resolve(handle) {
        case let .inline(bytes)?:
            guard part != nil else { return }
            claims.append(Claim(op: op, subtask: subtask, bucket: bucket, part: part, handleIndex: handleIndex,
                                path: "", length: Int64(bytes.count), bytes: Int64(bytes.count), inMetadata: true))
        case let .file(range)?:
            claims.append(Claim(op: op, subtask: subtask, bucket: bucket, part: part, handleIndex: handleIndex,
                                path: range.path, length: range.length))
        case nil:
            missing.append(handle.recordedPath ?? "\(handle)")
        }
    }

    /// Splits each file's size on disk over its claims, in the order they were made.
    private mutating func allocate(in storage: any Storage) {
        var firstClaim: [String: Int] = [:]
        var remaining: [String: Int64] = [:]
        for i in claims.indices where !claims[i].inMetadata {
            let path = claims[i].path
            if firstClaim[path] == nil {
                firstClaim[path] = i
                if case let .regularFile(size) = storage.status(path) {
                    remaining[path] = size
                } else {
                    remaining[path] = 0
                    missing.append(path)
                }
            }
            let take = min(max(claims[i].length, 0), remaining[path]!)
            claims[i].bytes = take
            remaining[path]! -= take
        }
        for (path, first) in firstClaim { claims[first].bytes += remaining[path]! }
    }

    /// Keeps the claims of the shard's subtasks (coordinators: the shard holding subtask 0), with
    /// the bytes the whole savepoint's allocation gave them, so the shards' bytes add up to the
    /// whole even for a file several subtasks share; missing files are listed where claimed.
    mutating func keep(_ shard: SubtaskShard) {
        let others = Set(claims.filter { !shard.holds($0.subtask < 0 ? nil : $0.subtask) }.map(\.path))
        claims.removeAll { !shard.holds($0.subtask < 0 ? nil : $0.subtask) }
        let mine = Set(claims.map(\.path))
        missing.removeAll { others.contains($0) && !mine.contains($0) }
    }

    /// Bytes of every file claimed, each counted once: their sizes on disk.
    var fileBytes: Int64 { claims.reduce(0) { $0 + ($1.inMetadata ? 0 : $1.bytes) } }
}
