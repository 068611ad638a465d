import Bytes

/// A handle to a stream of state bytes (`StreamStateHandle`): inline bytes, a file, or a segment
/// of a shared file. `nil` (`StreamStateHandle?`) is Flink's null handle (tag 0).
public indirect enum StreamStateHandle: Sendable, Equatable {
    /// `ByteStreamStateHandle` (tag 1): bytes inlined into `_metadata`. The name is the path the
    /// file would have had (or a bare UUID with job-manager storage); no such file exists.
    case byteStream(name: String, data: [UInt8])
    /// `FileStateHandle` (tag 2): an absolute path, usually `file:/…`, and the file size.
    case file(path: String, size: Int64)
    /// `RelativeFileStateHandle` (tag 6): a file name relative to the directory holding `_metadata`.
    case relativeFile(relativePath: String, size: Int64)
    /// A `KeyGroupsStateHandle` used as a stream handle (tag 3, legacy nesting).
    case keyGroups(KeyGroupsStateHandle)
    /// `SegmentFileStateHandle` (tag 15): a byte range of a file shared by file merging (1.20+).
    case segmentFile(SegmentFileStateHandle)
    /// `EmptySegmentFileStateHandle` (tag 16): file merging's placeholder for no bytes.
    case emptySegmentFile

    /// The absolute path `_metadata` records (nil for inline bytes, and for relative handles, whose
    /// name is resolved beside `_metadata`), for messages that name both the recorded and the
    /// resolved path of a file.
    public var recordedPath: String? {
        switch self {
        case .byteStream, .emptySegmentFile: return nil
        case let .file(path, _): return path
        case .relativeFile: return nil
        case let .keyGroups(h): return h.delegate.recordedPath
        case let .segmentFile(segment): return segment.filePath
        }
    }

    static func read(from reader: inout ByteReader, depth: Int = 0) throws -> StreamStateHandle? {
        let at = reader.index
        guard depth < maximumHandleNesting else {
            throw reader.error("state handles nested deeper than \(maximumHandleNesting) levels", at: at)
        }
        let tag = try reader.readU8("a stream state handle tag")
        switch tag {
        case HandleTag.null:
            return nil
        case HandleTag.byteStream:
            let name = try reader.readJavaUTF("a byte-stream handle name")
            let length = try reader.readCount("the length of inline state bytes")
            return .byteStream(name: name, data: try reader.readBytes(length, what: "inline state bytes"))
        case HandleTag.file:
            let size = try reader.readI64("a file state handle size")
            return .file(path: try reader.readJavaUTF("a file state handle path"), size: size)
        case HandleTag.relativeFile:
            let path = try reader.readJavaUTF("a relative file state handle path")
            return .relativeFile(relativePath: path, size: try reader.readI64("a relative file size"))
        case HandleTag.keyGroups:
            return .keyGroups(try KeyGroupsStateHandle.readBody(from: &reader, kind: .legacy, depth: depth + 1))
        case HandleTag.segmentFile:
            return .segmentFile(try SegmentFileStateHandle.readBody(from: &reader))
        case HandleTag.emptySegmentFile:
            return .emptySegmentFile
        default:
            throw reader.error(
                "expected a stream state handle tag (0, 1, 2, 3, 6, 15 or 16), found \(tag)", at: at)
        }
    }

    /// Reads a stream handle that Flink requires to be present (a delegate of another handle).
    static func readRequired(
        from reader: inout ByteReader, what: StaticString, depth: Int = 0
    ) throws -> StreamStateHandle {
        let at = reader.index
        guard let handle = try read(from: &reader, depth: depth) else {
            throw reader.error("expected \(what), found a null handle (tag 0)", at: at)
        }
        return handle
    }

    static func write(_ handle: StreamStateHandle?, to writer: inout ByteWriter) throws {
        guard let handle else { writer.writeU8(HandleTag.null); return }
        switch handle {
        case let .byteStream(name, data):
            writer.writeU8(HandleTag.byteStream)
            try writer.writeModifiedUTF8(name)
            try writer.writeElementCount(data.count, "inline state bytes")
            writer.writeBytes(data)
        case let .file(path, size):
            writer.writeU8(HandleTag.file)
            writer.writeI64(size)
            try writer.writeModifiedUTF8(path)
        case let .relativeFile(path, size):
            writer.writeU8(HandleTag.relativeFile)
            try writer.writeModifiedUTF8(path)
            writer.writeI64(size)
        case let .keyGroups(keyGroups):
            // Nested as a stream handle, Flink writes the legacy form (no state handle id).
            var legacy = keyGroups
            legacy.kind = .legacy
            writer.writeU8(HandleTag.keyGroups)
            try legacy.writeBody(to: &writer)
        case let .segmentFile(segment):
            writer.writeU8(HandleTag.segmentFile)
            try segment.writeBody(to: &writer)
        case .emptySegmentFile:
            writer.writeU8(HandleTag.emptySegmentFile)
        }
    }
}

/// `SegmentFileStateHandle`: `size` bytes at `startPosition` of a physical file written by file
/// merging (FLIP-306), shared by many logical files.
public struct SegmentFileStateHandle: Sendable, Equatable {
    /// Whether the physical file belongs to one subtask or is shared (`SnapshotFileScope`).
    public enum Scope: Int32, Sendable {
        case exclusive = 0
        case shared = 1
    }

    public var filePath: String
    public var startPosition: Int64
    public var stateSize: Int64
    public var scope: Scope
    public var logicalFileId: String

    public init(filePath: String, startPosition: Int64, stateSize: Int64, scope: Scope, logicalFileId: String) {
        self.filePath = filePath
        self.startPosition = startPosition
        self.stateSize = stateSize
        self.scope = scope
        self.logicalFileId = logicalFileId
    }

    /// `i64 startPos, i64 stateSize, i32 scope, UTF filePath, UTF logicalFileId`.
    static func readBody(from reader: inout ByteReader) throws -> SegmentFileStateHandle {
        let start = try reader.readI64("a segment start position")
        let size = try reader.readI64("a segment size")
        let scopeAt = reader.index
        let rawScope = try reader.readI32("a segment file scope")
        guard let scope = Scope(rawValue: rawScope) else {
            throw reader.error("expected a segment file scope 0 (exclusive) or 1 (shared), found \(rawScope)", at: scopeAt)
        }
        let path = try reader.readJavaUTF("a segment file path")
        let id = try reader.readJavaUTF("a logical file id")
        return SegmentFileStateHandle(filePath: path, startPosition: start, stateSize: size, scope: scope, logicalFileId: id)
    }

    func writeBody(to writer: inout ByteWriter) throws {
        writer.writeI64(startPosition)
        writer.writeI64(stateSize)
        writer.writeI32(scope.rawValue)
        try writer.writeModifiedUTF8(filePath)
        try writer.writeModifiedUTF8(logicalFileId)
    }
}
