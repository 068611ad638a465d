import Foundation
import Storage

/// Where the bytes of a stream handle are, once resolved against the directory holding `_metadata`.
public enum ResolvedStream: Sendable, Equatable {
    /// Bytes inlined in `_metadata` (byte-stream handles, empty segments).
    case inline([UInt8])
    /// A byte range of a file in the savepoint's storage.
    case file(FileRange)
}

/// `length` bytes at `offset` of the file at `path`. For whole-file handles the offset is 0 and
/// the length is the size recorded in the handle (the file itself is the authority).
public struct FileRange: Sendable, Equatable {
    public var path: String
    public var offset: Int64
    public var length: Int64
    /// True for file and relative-file handles (the stream is the whole file), false for segments.
    public var isWholeFile: Bool

    public init(path: String, offset: Int64, length: Int64, isWholeFile: Bool) {
        self.path = path
        self.offset = offset
        self.length = length
        self.isWholeFile = isWholeFile
    }
}

/// A path in a handle that may not be followed: it climbs out with `..`, or it names an existing
/// file outside the savepoint (or job) directory while external paths are not allowed.
public struct StateLocationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "state handle path \"\(path)\": \(message)" }
}

/// Resolves stream handles to bytes or files (of `storage`) the way Flink does, so a moved or copied
/// savepoint still reads:
///
/// * relative handles (tag 6) resolve against the directory holding `_metadata`
///   (`MetadataV2V3SerializerBase.DeserializationContext`);
/// * absolute handles (tag 2, segment handles) are used as written when they lie inside the
///   savepoint directory (for a retained checkpoint `…/<job>/chk-N`, inside the job directory);
///   otherwise they are mapped by their trailing components onto that directory: the file name for
///   a savepoint, `chk-N/…`, `shared/…` or `taskowned/…` under the job directory for a checkpoint.
///
/// Nothing outside that directory is ever returned unless `allowExternalPaths` is set.
public struct StateLocation: Sendable {
    /// The directory that holds `_metadata` (standardized, absolute).
    public let metadataDirectory: String
    /// The job directory when `metadataDirectory` is a retained checkpoint's `chk-N`.
    public let jobDirectory: String?
    public var allowExternalPaths: Bool
    /// Where the files are: whether a mapped path exists is asked of it.
    public let storage: any Storage

    /// `directory` may be the savepoint/checkpoint directory or its `_metadata` file; a local
    /// path, or a URI (`s3://bucket/key`) of `storage`, kept as written.
    public init(savepointDirectory directory: String, storage: any Storage = LocalStorage(), allowExternalPaths: Bool = false) {
        self.storage = storage
        self.allowExternalPaths = allowExternalPaths
        if Self.splitScheme(directory).scheme != nil {
            var dir = directory
            while dir.hasSuffix("/") { dir.removeLast() }
            if dir.hasSuffix("/_metadata") { dir.removeLast("/_metadata".count) }
            metadataDirectory = dir
            let name = dir.split(separator: "/").last.map(String.init) ?? ""
            jobDirectory = Self.isCheckpointDirectoryName(name) ? storage.directory(of: dir) : nil
            return
        }
        var url = URL(fileURLWithPath: directory).standardizedFileURL
        if url.lastPathComponent == "_metadata" { url.deleteLastPathComponent() }
        metadataDirectory = url.path
        jobDirectory = Self.isCheckpointDirectoryName(url.lastPathComponent)
            ? url.deletingLastPathComponent().path : nil
    }

    /// The directory no resolved path may leave: the job directory for checkpoints, else the savepoint.
    public var rootDirectory: String { jobDirectory ?? metadataDirectory }

    public func resolve(_ handle: StreamStateHandle) throws -> ResolvedStream {
        switch handle {
        case let .byteStream(_, data):
            return .inline(data)
        case .emptySegmentFile:
            return .inline([])
        case let .relativeFile(relativePath, size):
            let path = try resolveRelative(relativePath)
            return .file(FileRange(path: path, offset: 0, length: size, isWholeFile: true))
        case let .file(path, size):
            return .file(FileRange(path: try resolveAbsolute(path), offset: 0, length: size, isWholeFile: true))
        case let .segmentFile(segment):
            let path = try resolveAbsolute(segment.filePath)
            return .file(FileRange(
                path: path, offset: segment.startPosition, length: segment.stateSize, isWholeFile: false))
        case let .keyGroups(keyGroups):
            return try resolve(keyGroups.delegate)
        }
    }

    /// Whether the resolved bytes are there: inline always, a file when it exists.
    public func exists(_ resolved: ResolvedStream) -> Bool {
        switch resolved {
        case .inline: return true
        case let .file(range): return !storage.status(range.path).isMissing
        }
    }

    // MARK: path rules

    /// A relative name must stay inside the directory: no absolute path, no `..`.
    func resolveRelative(_ relativePath: String) throws -> String {
        let parts = try components(of: relativePath, original: relativePath)
        guard !relativePath.hasPrefix("/"), !parts.isEmpty else {
            throw StateLocationError(path: relativePath, message: "a relative state file name must be a plain name inside the savepoint directory")
        }
        return join(metadataDirectory, parts)
    }

    func resolveAbsolute(_ written: String) throws -> String {
        let (scheme, pathPart) = Self.splitScheme(written)
        let parts = try components(of: pathPart, original: written)
        let isLocal = scheme == nil || scheme == "file"
        let local = isLocal ? join("", parts) : nil
        if let local, isInside(local, rootDirectory) { return local }
        if let mapped = mapByTrailingComponents(parts), !storage.status(mapped).isMissing {
            return mapped
        }
        if let local, allowExternalPaths { return local }
        if let local, !storage.status(local).isMissing {
            throw StateLocationError(
                path: written,
                message: "lies outside \(rootDirectory) and no file of that name is inside it; allow external paths to read it")
        }
        guard let mapped = mapByTrailingComponents(parts) else {
            throw StateLocationError(path: written, message: "cannot be mapped onto \(rootDirectory)")
        }
        return mapped
    }

    /// Savepoint: the file name inside the directory. Checkpoint: the part from the last
    /// `chk-N`, `shared` or `taskowned` component on, under the job directory.
    func mapByTrailingComponents(_ parts: [String]) -> String? {
        guard let name = parts.last else { return nil }
        guard let jobDirectory else { return join(metadataDirectory, [name]) }
        let anchors = parts.indices.dropLast().filter {
            parts[$0] == "shared" || parts[$0] == "taskowned" || Self.isCheckpointDirectoryName(parts[$0])
        }
        guard let anchor = anchors.last else { return join(metadataDirectory, [name]) }
        return join(jobDirectory, Array(parts[anchor...]))
    }

    /// Path components without empty and `.` parts; `..` anywhere is refused.
    private func components(of path: String, original: String) throws -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !parts.contains("..") else {
            throw StateLocationError(path: original, message: "contains \"..\" and could leave the savepoint directory")
        }
        return parts.filter { $0 != "." }
    }

    private func join(_ base: String, _ parts: [String]) -> String {
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        return trimmed + "/" + parts.joined(separator: "/")
    }

    private func isInside(_ path: String, _ directory: String) -> Bool {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return path.hasPrefix(prefix)
    }

    /// `file:/a`, `file:///a`, `file://host/a`, `s3://bucket/a` → scheme and the path part; a plain
    /// path has no scheme. The authority (host, bucket) is not part of the path.
    static func splitScheme(_ written: String) -> (scheme: String?, path: String) {
        guard let colon = written.firstIndex(of: ":") else { return (nil, written) }
        let scheme = written[..<colon]
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }) else {
            return (nil, written)
        }
        var rest = written[written.index(after: colon)...]
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            rest = rest.firstIndex(of: "/").map { rest[$0...] } ?? ""
        }
        return (scheme.lowercased(), String(rest))
    }

    static func isCheckpointDirectoryName(_ name: String) -> Bool {
        name.hasPrefix("chk-") && name.count > 4 && name.dropFirst(4).allSatisfy(\.isASCII) && Int(name.dropFirst(4)) != nil
    }
}

extension StateLocation {
    /// One stream a checkpoint refers to, with where it resolved and whether it is there.
    public struct ReferencedStream: Sendable {
        public var handle: StreamStateHandle
        public var resolved: Result<ResolvedStream, StateLocationError>
        public var isPresent: Bool
    }

    /// Every leaf stream of `metadata`, resolved; for `inspect` (present or missing files).
    public func referencedStreams(of metadata: CheckpointMetadata) -> [ReferencedStream] {
        metadata.streamStateHandles.map { handle in
            do {
                let resolved = try resolve(handle)
                return ReferencedStream(handle: handle, resolved: .success(resolved), isPresent: exists(resolved))
            } catch let error as StateLocationError {
                return ReferencedStream(handle: handle, resolved: .failure(error), isPresent: false)
            } catch {
                let wrapped = StateLocationError(path: "\(handle)", message: "\(error)")
                return ReferencedStream(handle: handle, resolved: .failure(wrapped), isPresent: false)
            }
        }
    }
}

/// Resolves one handle against the directory holding `_metadata` (see `StateLocation`).
public func resolve(
    _ handle: StreamStateHandle, savepointDirectory: String, allowExternalPaths: Bool = false
) throws -> ResolvedStream {
    try StateLocation(savepointDirectory: savepointDirectory, allowExternalPaths: allowExternalPaths).resolve(handle)
}
