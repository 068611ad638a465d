import Foundation
import SavepointMetadata
import Storage

/// Decides where a written stream goes, as Flink's checkpoint storage does: inline in `_metadata`
/// when smaller than the inline threshold (always, for the memory form), else a file with a random
/// UUID name in the savepoint directory, referenced relatively so the savepoint stays relocatable.
public final class StreamPlacement: Sendable {
    /// Where the files go.
    public let storage: any Storage
    /// The directory being written (a temporary sibling of the final one, or the final one).
    public let directory: String
    /// The directory's final path, used to name inline handles the way filesystem storage does.
    public let finalDirectory: String
    /// Streams below this many bytes are inlined; `Int.max` inlines everything (memory form).
    public let inlineThreshold: Int

    /// Flink's default `execution.checkpointing.data-inline-threshold`.
    public static let flinkDefaultInlineThreshold = 20 * 1024

    public init(storage: any Storage, directory: String, finalDirectory: String, inlineThreshold: Int) {
        self.storage = storage
        self.directory = directory
        self.finalDirectory = finalDirectory
        self.inlineThreshold = inlineThreshold
    }

    /// A placement in local directories.
    public convenience init(directory: URL, finalDirectory: URL, inlineThreshold: Int) {
        self.init(storage: LocalStorage(), directory: directory.path, finalDirectory: finalDirectory.path,
                  inlineThreshold: inlineThreshold)
    }

    public var inlinesEverything: Bool { inlineThreshold == Int.max }

    public func newFileName() -> String { UUID().uuidString.lowercased() }

    /// Places finished bytes: inline when small, else a new file.
    public func place(_ bytes: [UInt8]) throws -> StreamStateHandle {
        let name = newFileName()
        if bytes.count < inlineThreshold { return inline(bytes, name: name) }
        try ConversionOutput.writeFile(bytes, to: path(name), in: storage)
        return .relativeFile(relativePath: name, size: Int64(bytes.count))
    }

    /// Places a file already written into `directory` (a stream written piece by piece): inlined
    /// (and removed) when small, else referenced where it is.
    public func placeFile(named name: String) throws -> StreamStateHandle {
        let file = path(name)
        guard case let .regularFile(length) = storage.status(file) else {
            throw SavepointError.io("\(file): the stream just written is not there")
        }
        let size = Int(length)
        if size < inlineThreshold {
            let bytes = try storage.source(file, offset: 0, length: size).read(0..<size)
            try storage.remove(file)
            return inline(bytes, name: name)
        }
        return .relativeFile(relativePath: name, size: Int64(size))
    }

    /// The file `name` in the directory being written.
    public func path(_ name: String) -> String { storage.path(name, in: directory) }

    /// JobManager storage names inline handles with a bare UUID; filesystem storage with the URI
    /// the file would have had (`file:/…` for a local path, the object's URI on an object store).
    func inline(_ bytes: [UInt8], name: String) -> StreamStateHandle {
        let file = storage.path(name, in: finalDirectory)
        let handleName = inlinesEverything ? name : (file.contains("://") ? file : "file:" + file)
        return .byteStream(name: handleName, data: bytes)
    }
}
