import Bytes
import Foundation
import SavepointMetadata

/// Quick checks on every stream `_metadata` refers to: its path is safe, its file is there and is
/// large enough for its handle and for the offsets that point into it, inline bytes are in limits.
extension Validator {
    /// Flink's file-system storage inlines streams below at most 1 MiB (`MAX_FILE_STATE_THRESHOLD`).
    static let filesystemInlineLimit = 1 << 20
    /// JobManager (memory) storage refuses state above 5 MiB by default (`DEFAULT_MAX_STATE_SIZE`).
    static let memoryInlineLimit = 5 << 20

    mutating func checkStreams() {
        let inlineLimit = SavepointForm(savepoint.metadata) == .memorySnapshot
            ? Self.memoryInlineLimit : Self.filesystemInlineLimit
        var seenFiles: Set<String> = []
        // Resolved once: resolving it per file walked its components again for every file.
        let root = resolvedRootDirectory()
        for ref in streamReferences() where checks(subtask: ref.location.subtask) {
            let resolved: ResolvedStream
            do {
                resolved = try savepoint.location.resolve(ref.handle)
            } catch {
                let path = (error as? StateLocationError)?.path
                log.error(.unsafePath, "\(ref.what): \(error)", at: with(ref.location, file: path))
                continue
            }
            switch resolved {
            case let .inline(bytes):
                checked.inlineStreams += 1
                checkInline(bytes.count, ref, limit: inlineLimit)
            case let .file(range):
                checkFile(range, ref, seenFiles: &seenFiles, root: root)
            }
        }
    }

    mutating func checkInline(_ count: Int, _ ref: StreamReference, limit: Int) {
        let at = with(ref.location, file: metadataPath)
        if let required = ref.requiredLength, required > Int64(count) {
            log.error(.offsetOutOfRange,
                      "\(ref.what): an offset points to byte \(required - 1) of inline state that has \(count) bytes", at: at)
        }
        if ref.isSubtaskState, count > limit {
            log.warning(.inlineStateTooLarge,
                        "\(ref.what): \(count) bytes inlined in _metadata, above the \(limit) bytes a state backend inlines", at: at)
        }
    }

    mutating func checkFile(_ range: FileRange, _ ref: StreamReference, seenFiles: inout Set<String>, root: String) {
        let at = with(ref.location, file: range.path)
        guard !badPaths.contains(range.path) else { return }
        if let outside = symlinkLeavingRoot(range.path, root: root) {
            badPaths.insert(range.path)
            log.error(.unsafePath, "\(ref.what): the file is a symlink to \(outside), outside the savepoint directory; allow external paths to follow it", at: at)
            return
        }
        let status = savepoint.storage.status(range.path)
        guard case let .regularFile(size) = status else {
            badPaths.insert(range.path)
            let recorded = ref.recordedPath.flatMap { $0 == range.path ? nil : " (recorded as \($0))" } ?? ""
            if status.isMissing {
                log.error(.missingFile, "\(ref.what): the file is missing\(recorded); Flink cannot restore this state", at: at)
            } else {
                log.error(.unreadableFile, "\(ref.what): cannot read the file\(recorded): \(status.problemAsFile ?? "")", at: at)
            }
            return
        }
        if seenFiles.insert(range.path).inserted {
            checked.files += 1
            checked.fileBytes += size
        }
        if let required = ref.requiredLength, required > range.length {
            log.error(.offsetOutOfRange,
                      "\(ref.what): an offset points to byte \(required - 1), but the handle records a stream of \(range.length) bytes",
                      at: at)
        }
        let needed = range.offset + max(range.length, ref.requiredLength ?? 0)
        if size < needed {
            badPaths.insert(range.path)
            log.error(.fileTooSmall,
                      "\(ref.what): the file has \(size) bytes but needs \(needed) (cut short while copying or uploading?)", at: at)
        } else if range.isWholeFile, size > range.length {
            log.warning(.fileLargerThanHandle,
                        "\(ref.what): the file has \(size) bytes, the state handle records \(range.length)", at: at)
        }
    }

    /// The savepoint directory with its symlinks resolved.
    func resolvedRootDirectory() -> String {
        URL(fileURLWithPath: savepoint.location.rootDirectory).resolvingSymlinksInPath().path
    }

    /// The target of `path` when a symlink on the way leads outside the savepoint directory
    /// (`root`, resolved) and external paths are not allowed. An object's URI (`s3://…`) has no
    /// symlinks.
    func symlinkLeavingRoot(_ path: String, root: String) -> String? {
        guard !savepoint.location.allowExternalPaths, !path.contains("://") else { return nil }
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard real != path else { return nil }
        return real.hasPrefix(root.hasSuffix("/") ? root : root + "/") ? nil : real
    }

    func with(_ location: FindingLocation, file: String?) -> FindingLocation {
        var l = location
        l.file = file
        return l
    }
}
