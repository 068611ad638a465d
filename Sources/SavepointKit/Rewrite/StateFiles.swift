import Bytes
import Foundation
import SavepointMetadata

/// The state files a rewrite copies byte for byte: every file a handle of the (planned) metadata
/// refers to, under its own name in the output directory, referenced relatively so the output is
/// a self-contained, relocatable savepoint as Flink writes them (`RelativeFileStateHandle`).
/// Inline streams stay inline. A retained checkpoint's files (`chk-N/…`, `shared/…`) land beside
/// `_metadata` under their file names. A keyed stream whose states are renamed is the one file
/// not copied as it is: its serialization proxy header is rewritten and the rest copied behind it
/// (`KeyedStreamRename`).
struct StateFiles {
    /// One file to copy: where it is, and its name in the output directory; with `header`, the
    /// output is `header` followed by the source from byte `skip` on.
    struct File: Sendable {
        var source: String
        var name: String
        var size: Int64
        var header: [UInt8] = []
        var skip: Int64 = 0
    }

    private(set) var files: [File] = []
    private var byName: [String: Int] = [:]
    private let location: StateLocation
    private let metadataPath: String

    /// The files behind `metadata`'s handles, and the metadata with those handles pointing at the
    /// copies. File-merging segments and changelog handles are refused: `convert` rewrites them
    /// into plain files first.
    /// `renames`: keyed states to rename, by the operator's id in `metadata`. `leaving`: operators
    /// whose subtask state the pipeline writes (their handles stay the input's; their coordinator
    /// state is still copied).
    static func plan(_ metadata: CheckpointMetadata, of savepoint: Savepoint,
                     renames: [OperatorID: [String: String]] = [:],
                     leaving pipelined: Set<OperatorID> = []) throws -> (StateFiles, CheckpointMetadata) {
        var files = StateFiles(location: savepoint.location, metadataPath: savepoint.metadataPath)
        var out = metadata
        for i in out.operatorStates.indices {
            out.operatorStates[i].coordinatorState = try out.operatorStates[i].coordinatorState.map { try files.relocate($0) }
            if pipelined.contains(out.operatorStates[i].operatorID) { continue }
            let renamed = renames[out.operatorStates[i].operatorID]
            if let renamed { try files.renameStates(renamed, of: &out.operatorStates[i], in: savepoint) }
            for j in out.operatorStates[i].subtaskStates.indices {
                guard var state = out.operatorStates[i].subtaskStates[j].state else { continue }
                guard state.inputChannelState.isEmpty, state.resultSubpartitionState.isEmpty else {
                    throw SavepointError.unsupported("operator \(out.operatorStates[i].displayName) holds in-flight data (unaligned checkpoint channel state); take a savepoint instead")
                }
                state.managedOperatorState = try state.managedOperatorState.map { try files.relocate($0) }
                state.rawOperatorState = try state.rawOperatorState.map { try files.relocate($0) }
                if renamed == nil { state.managedKeyedState = try state.managedKeyedState.map { try files.relocate($0) } }
                state.rawKeyedState = try state.rawKeyedState.map { try files.relocate($0) }
                out.operatorStates[i].subtaskStates[j].state = state
            }
        }
        return (files, out)
    }

    var totalBytes: Int64 { files.reduce(0) { $0 + $1.size } }

    private mutating func relocate(_ handle: OperatorStateHandle) throws -> OperatorStateHandle {
        var h = handle
        h.delegate = try relocate(h.delegate)
        return h
    }

    private mutating func relocate(_ handle: KeyedStateHandle) throws -> KeyedStateHandle {
        switch handle {
        case var .keyGroups(h):
            h.delegate = try relocate(h.delegate)
            return .keyGroups(h)
        case var .incrementalRemote(h):
            h.metaDataState = try h.metaDataState.map { try relocate($0) }
            for k in h.sharedState.indices { h.sharedState[k].handle = try h.sharedState[k].handle.map { try relocate($0) } }
            for k in h.privateState.indices { h.privateState[k].handle = try h.privateState[k].handle.map { try relocate($0) } }
            return .incrementalRemote(h)
        case .changelogBackend, .changelogInMemory, .changelogStream:
            throw SavepointError.unsupported("keyed state of the changelog state backend cannot be rewritten; take a savepoint instead")
        }
    }

    mutating func relocate(_ handle: StreamStateHandle) throws -> StreamStateHandle {
        switch handle {
        case .byteStream, .emptySegmentFile:
            return handle
        case let .keyGroups(h):
            var inner = h
            inner.delegate = try relocate(h.delegate)
            return .keyGroups(inner)
        case .segmentFile:
            throw SavepointError.unsupported("state in file-merging segments cannot be copied file by file; run savepoint convert on it first")
        case let .relativeFile(relativePath, size):
            try add(source: try resolvedPath(handle), name: relativePath, size: size)
            return handle
        case let .file(_, size):
            let source = try resolvedPath(handle)
            let name = (source as NSString).lastPathComponent
            try add(source: source, name: name, size: size)
            return .relativeFile(relativePath: name, size: size)
        }
    }

    func resolvedPath(_ handle: StreamStateHandle) throws -> String {
        let resolved: ResolvedStream
        do { resolved = try location.resolve(handle) } catch let e as StateLocationError {
            throw SavepointError.notASavepoint(path: metadataPath, reason: e.description)
        }
        guard case let .file(range) = resolved else { throw SavepointError.io("internal error: a file handle resolved inline") }
        let status = location.storage.status(range.path)
        if status.isMissing {
            throw SavepointError.missingFile(path: range.path, recorded: handle.recordedPath, referencedBy: metadataPath)
        }
        if let problem = status.problemAsFile { throw SavepointError.unreadable(path: range.path, reason: problem) }
        return range.path
    }

    /// A file referenced twice is copied once; two files of one name cannot both be copied.
    mutating func add(source: String, name: String, size: Int64, header: [UInt8] = [], skip: Int64 = 0) throws {
        if let existing = byName[name] {
            guard files[existing].source == source, files[existing].header == header, files[existing].skip == skip else {
                throw SavepointError.unsupported("two state files are named \(name) (\(files[existing].source), \(source)); they cannot share the output directory")
            }
            return
        }
        guard name != Savepoint.metadataFileName else {
            throw SavepointError.unsupported("a state file is named \(name)")
        }
        byName[name] = files.count
        var actual = size
        if header.isEmpty, case let .regularFile(bytes) = location.storage.status(source) { actual = bytes }
        files.append(File(source: source, name: name, size: actual, header: header, skip: skip))
    }
}
