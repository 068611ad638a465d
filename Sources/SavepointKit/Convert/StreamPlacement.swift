import Foundation
import SavepointMetadata

/// Decides where a written stream goes, as Flink's checkpoint storage does: inline in `_metadata`
/// when smaller than the inline threshold (always, for the memory form), else a file with a random
/// UUID name in the savepoint directory, referenced relatively so the savepoint stays relocatable.
public final class StreamPlacement: Sendable {
    /// The directory being written (a temporary sibling of the final one).
    public let directory: URL
    /// The directory's final path, used to name inline handles the way filesystem storage does.
    public let finalDirectory: URL
    /// Streams below this many bytes are inlined; `Int.max` inlines everything (memory form).
    public let inlineThreshold: Int

    /// Flink's default `execution.checkpointing.data-inline-threshold`.
    public static let flinkDefaultInlineThreshold = 20 * 1024

    public init(directory: URL, finalDirectory: URL, inlineThreshold: Int) {
        self.directory = directory
        self.finalDirectory = finalDirectory
        self.inlineThreshold = inlineThreshold
    }

    public var inlinesEverything: Bool { inlineThreshold == Int.max }

    public func newFileName() -> String { UUID().uuidString.lowercased() }

    /// Places finished bytes: inline when small, else a new file.
    public func place(_ bytes: [UInt8]) throws -> StreamStateHandle {
        let name = newFileName()
        if bytes.count < inlineThreshold { return inline(bytes, name: name) }
        try Data(bytes).write(to: directory.appendingPathComponent(name), options: .withoutOverwriting)
        return .relativeFile(relativePath: name, size: Int64(bytes.count))
    }

    /// Places a file already written into `directory` (a stream written piece by piece): inlined
    /// (and removed) when small, else referenced where it is.
    public func placeFile(named name: String) throws -> StreamStateHandle {
        let url = directory.appendingPathComponent(name)
        let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
        if size < inlineThreshold {
            let bytes = Array(try Data(contentsOf: url))
            try FileManager.default.removeItem(at: url)
            return inline(bytes, name: name)
        }
        return .relativeFile(relativePath: name, size: Int64(size))
    }

    /// JobManager storage names inline handles with a bare UUID; filesystem storage with the path
    /// the file would have had.
    func inline(_ bytes: [UInt8], name: String) -> StreamStateHandle {
        let handleName = inlinesEverything ? name : "file:" + finalDirectory.appendingPathComponent(name).path
        return .byteStream(name: handleName, data: bytes)
    }
}
