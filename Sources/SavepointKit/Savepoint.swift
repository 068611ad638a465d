import Bytes
import Foundation
import SavepointMetadata

/// An opened savepoint or retained checkpoint: its parsed `_metadata` and where its files are.
public struct Savepoint: Sendable {
    public static let metadataFileName = "_metadata"

    /// The path the user gave.
    public let path: String
    public let metadataPath: String
    public let metadata: CheckpointMetadata
    /// Resolves state handles against the folder holding `_metadata` (or the job folder of a `chk-N`).
    public let location: StateLocation
    /// Size of the `_metadata` file.
    public let metadataSize: Int
    /// Set to count the state bytes read (for a progress line); nil reads uncounted.
    public var progress: ReadProgress?

    /// Opens a savepoint directory, its `_metadata` file, or a `chk-N` directory.
    public static func open(_ path: String, allowExternalPaths: Bool = false) throws -> Savepoint {
        let metadataPath = try findMetadata(path)
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: metadataPath)))
        } catch {
            throw SavepointError.notASavepoint(path: metadataPath, reason: "cannot read: \(error.localizedDescription)")
        }
        let metadata = try attributing(to: metadataPath) { try CheckpointMetadata.read(from: bytes) }
        let directory = (metadataPath as NSString).deletingLastPathComponent
        return Savepoint(
            path: path, metadataPath: metadataPath, metadata: metadata,
            location: StateLocation(savepointDirectory: directory, allowExternalPaths: allowExternalPaths),
            metadataSize: bytes.count, progress: nil)
    }

    static func findMetadata(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SavepointError.notASavepoint(path: path, reason: "no such file or directory")
        }
        guard isDirectory.boolValue else { return path }
        let candidate = (path as NSString).appendingPathComponent(metadataFileName)
        guard FileManager.default.fileExists(atPath: candidate) else {
            throw SavepointError.notASavepoint(path: path, reason: "the directory has no \(metadataFileName) file")
        }
        return candidate
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
            guard FileManager.default.fileExists(atPath: range.path) else {
                throw SavepointError.missingFile(path: range.path, referencedBy: metadataPath)
            }
            return try attributing(to: range.path) {
                try FileByteSource(path: range.path, offset: Int(range.offset),
                                   length: range.isWholeFile ? nil : Int(range.length))
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
