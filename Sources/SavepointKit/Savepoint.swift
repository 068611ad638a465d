import Bytes
import Foundation
import SavepointMetadata
import Storage

/// An opened savepoint or retained checkpoint: its parsed `_metadata` and where its files are.
public struct Savepoint: Sendable {
    public static let metadataFileName = "_metadata"

    /// The path the user gave.
    public let path: String
    /// Where its files are: every read goes through it, so no operation knows which storage it reads.
    public let storage: any Storage
    public let metadataPath: String
    public internal(set) var metadata: CheckpointMetadata
    /// Resolves state handles against the folder holding `_metadata` (or the job folder of a `chk-N`).
    public let location: StateLocation
    /// Size of the `_metadata` file.
    public let metadataSize: Int
    /// Set to count the state bytes read (for a progress line); nil reads uncounted.
    public var progress: ReadProgress? = nil
    /// Operators whose uid the user named (`--uids`), where `_metadata` stores only the id.
    public private(set) var uidsFromUser: Set<OperatorID> = []

    /// Names the operators of a savepoint that stores only operator ids (Flink 1.x): each uid's
    /// operator id (murmur3_128 of the uid, as Flink computes it) is matched, and a matching
    /// operator is known by that uid from then on (in text, JSON and dump lines). A uid stored in
    /// `_metadata` is kept; uids that match nothing are ignored (stateless operators have no entry).
    public mutating func name(uids: [String]) {
        let byID = Dictionary(uids.map { (OperatorID(uid: $0), $0) }, uniquingKeysWith: { first, _ in first })
        for i in metadata.operatorStates.indices where (metadata.operatorStates[i].uid ?? "").isEmpty {
            if let uid = byID[metadata.operatorStates[i].operatorID] {
                metadata.operatorStates[i].uid = uid
                uidsFromUser.insert(metadata.operatorStates[i].operatorID)
            }
        }
    }

    /// Opens a savepoint directory, its `_metadata` file, or a `chk-N` directory; a `file:` URI as
    /// Flink prints it when a savepoint completes is taken as its path.
    public static func open(_ given: String, allowExternalPaths: Bool = false) throws -> Savepoint {
        let (storage, path) = try StorageResolver.shared.resolve(given)
        return try open(path, in: storage, allowExternalPaths: allowExternalPaths)
    }

    /// Opens the savepoint at `path` of `storage` (a directory, its `_metadata`, or a `chk-N`).
    public static func open(_ path: String, in storage: any Storage, allowExternalPaths: Bool = false) throws -> Savepoint {
        let metadataPath = try SavepointPath.metadataFile(of: path, in: storage)
        let bytes: [UInt8] = try attributing(to: metadataPath) {
            let source = try storage.source(metadataPath, offset: 0, length: nil)
            return try source.read(0..<source.size)
        }
        return try open(path, metadataPath: metadataPath, bytes: bytes, in: storage, allowExternalPaths: allowExternalPaths)
    }

    /// The savepoint whose `_metadata` holds `bytes`, as if at `metadataPath` of `storage` (also
    /// before that file is written: an object store writes it last, after verification).
    static func open(_ path: String, metadataPath: String, bytes: [UInt8], in storage: any Storage,
                     allowExternalPaths: Bool = false) throws -> Savepoint {
        let metadata = try attributing(to: metadataPath) { try CheckpointMetadata.read(from: bytes) }
        let directory = storage.directory(of: metadataPath)
        return Savepoint(
            path: path, storage: storage, metadataPath: metadataPath, metadata: metadata,
            location: StateLocation(savepointDirectory: directory, storage: storage, allowExternalPaths: allowExternalPaths),
            metadataSize: bytes.count)
    }

    /// The bytes behind a stream handle, as a random-access source.
    public func openStream(_ handle: StreamStateHandle) throws -> any ByteSource {
        let source = try openUncountedStream(handle)
        guard let progress else { return source }
        return CountingByteSource(base: source, progress: progress)
    }

    func openUncountedStream(_ handle: StreamStateHandle) throws -> any ByteSource {
        let resolved: ResolvedStream
        do {
            resolved = try location.resolve(handle)
        } catch let e as StateLocationError {
            throw SavepointError.notASavepoint(path: metadataPath, reason: e.description)
        }
        switch resolved {
        case let .inline(bytes):
            return InMemoryByteSource(name: "\(metadataPath) (inline \(Self.inlineName(handle)))", bytes: bytes)
        case let .file(range):
            do {
                return try attributing(to: range.path) {
                    try storage.source(range.path, offset: Int(range.offset),
                                       length: range.isWholeFile ? nil : Int(range.length))
                }
            } catch {
                // Only a failed open asks the storage why: a missing file, or the OS's reason.
                let status = storage.status(range.path)
                if status.isMissing {
                    throw SavepointError.missingFile(path: range.path, recorded: handle.recordedPath, referencedBy: metadataPath)
                }
                if let problem = status.problemAsFile { throw SavepointError.unreadable(path: range.path, reason: problem) }
                throw error
            }
        }
    }

    static func inlineName(_ handle: StreamStateHandle) -> String {
        if case let .byteStream(name, _) = handle { return (name as NSString).lastPathComponent }
        return "stream"
    }
}

extension OperatorState {
    /// The name a user knows the operator by: its uid, else its id in hex.
    public var displayName: String { uid.flatMap { $0.isEmpty ? nil : $0 } ?? operatorID.hex }

    /// Whether `selector` names this operator: its uid, its id in hex, or a uid whose hash is its id
    /// (savepoints written by Flink 1.x store only the id).
    public func matches(_ selector: String) -> Bool {
        if let uid, uid == selector { return true }
        if selector.lowercased() == operatorID.hex { return true }
        return OperatorID(uid: selector) == operatorID
    }
}

extension Array where Element == OperatorState {
    /// The operators as messages list them: `counter (0da08f51…)`, or the id alone without a uid.
    var listing: String {
        guard !isEmpty else { return "no operators" }
        return map { op in op.uid.flatMap { $0.isEmpty ? nil : "\($0) (\(op.operatorID.hex))" } ?? op.operatorID.hex }
            .joined(separator: ", ")
    }
}
