import Bytes
import Dispatch
import Foundation
import Storage

/// The output directory of a conversion or a rewrite, and how it becomes a savepoint only when
/// complete and verified, so `OUT` is either absent, the old one (--force), or the whole verified
/// result — never partial. The storage decides how:
///
/// * where directories rename (local files), everything is written into a hidden temporary
///   sibling of `OUT` (`.OUT.converting-…`, `.OUT.rewriting-…`), `_metadata` included and read
///   back from there, and the directory is renamed into place;
/// * on an object store (no rename) the state files are written under `OUT` itself, verified with
///   `_metadata` read from memory, and `_metadata` is written last by `commit()`: a prefix without
///   `_metadata` is no savepoint. A failure removes everything written under `OUT`; `--force`
///   removes the old savepoint (its `_metadata` first) before writing.
///
/// SIGINT/SIGTERM remove what was written.
final class ConversionOutput: @unchecked Sendable {
    let storage: any Storage
    /// `OUT` as the storage names it.
    let finalPath: String
    /// Where the files are written: the temporary sibling, or `OUT` itself (no rename).
    let directory: String
    let force: Bool
    /// `_metadata` held back until `commit()` where the storage cannot rename.
    private var pendingMetadata: [UInt8]?
    private let lock = NSLock()
    private var finished = false
    private var signalSources: [DispatchSourceSignal] = []

    var renames: Bool { storage.renamesDirectories }
    /// The local path of OUT and of where it is written (the verification hooks of tests take URLs).
    var finalURL: URL { URL(fileURLWithPath: finalPath) }
    var tempURL: URL { URL(fileURLWithPath: directory) }

    /// The output `given` (a path or URI) as the storage resolver makes it; a local path is made
    /// absolute and standardized, as errors name it.
    convenience init(final given: String, input: Savepoint, force: Bool, activity: String = "converting") throws {
        guard !given.isEmpty else { throw SavepointError.usage("the output path is empty") }
        let (storage, path) = try StorageResolver.shared.resolveOutput(given)
        try self.init(final: path, in: storage, input: input.location.metadataDirectory, of: input.storage,
                      force: force, activity: activity)
    }

    /// Refuses an existing `OUT` without `force`, with `force` anything but a savepoint or an
    /// empty directory (it would be deleted), and an `OUT` that is (inside) the input. Errors name
    /// `OUT`, never the temporary directory.
    init(final out: String, in storage: any Storage, input inp: String, of inputStorage: any Storage, force: Bool,
         activity: String = "converting") throws {
        guard !out.isEmpty else { throw SavepointError.usage("the output path is empty") }
        if storage.scheme == inputStorage.scheme,
           out == inp || out.hasPrefix(inp + "/") || inp.hasPrefix(out + "/") {
            throw ConvertError.sameDirectory(out)
        }
        self.storage = storage
        finalPath = out
        self.force = force
        let exists: Bool
        switch storage.status(out) {
        case .missing: exists = false
        case let .unusable(reason): throw SavepointError.unreadable(path: out, reason: reason)
        case .directory, .regularFile, .special:
            guard force else { throw ConvertError.outputExists(out) }
            try Self.checkReplaceable(out, in: storage)
            exists = true
        }
        let parent = storage.directory(of: out)
        if storage.renamesDirectories {
            guard storage.status(parent) == .directory else {
                throw SavepointError.io("\(out): cannot create the output: its parent directory \(parent) does not exist")
            }
            let name = out.split(separator: "/").last.map(String.init) ?? out
            directory = storage.path(".\(name).\(activity)-\(UUID().uuidString.lowercased())", in: parent)
        } else {
            directory = out
            if exists { try Self.removeSavepoint(out, in: storage) }
        }
        do {
            try storage.makeDirectory(directory)
        } catch let e as StorageError {
            throw SavepointError.io("\(out): cannot create the output: \(e.reason) (in \(parent))")
        }
    }

    /// `--force` replaces only what is safe to delete: a savepoint (a directory with a `_metadata`
    /// file) or an empty directory; never a file or a directory of something else.
    static func checkReplaceable(_ path: String, in storage: any Storage) throws {
        guard storage.status(path) == .directory else {
            throw ConvertError.notReplaceable(path, "it is not a directory")
        }
        let entries: [StorageEntry]
        do {
            entries = try storage.list(path)
        } catch let e as StorageError {
            throw SavepointError.unreadable(path: path, reason: e.reason)
        }
        guard entries.isEmpty || storage.status(storage.path(Savepoint.metadataFileName, in: path)).isRegularFile else {
            throw ConvertError.notReplaceable(path, "it is neither a savepoint (no _metadata) nor empty")
        }
    }

    /// Without rename, the old savepoint goes before the new one is written: `_metadata` first,
    /// so what is left after a failure here is no savepoint.
    private static func removeSavepoint(_ path: String, in storage: any Storage) throws {
        do {
            try storage.remove(storage.path(Savepoint.metadataFileName, in: path))
            try storage.remove(path)
        } catch let e as StorageError {
            throw SavepointError.io("\(path): cannot replace the output: \(e.action): \(e.reason)")
        }
    }

    /// A local scratch directory for spill files: inside the temporary directory when the output
    /// is local (removed with it), else in the system's temporary directory.
    func scratchDirectory(_ name: String) -> URL {
        guard storage is LocalStorage else {
            return FileManager.default.temporaryDirectory.appendingPathComponent("savepoint\(name)-\(UUID().uuidString)")
        }
        return tempURL.appendingPathComponent(name)
    }

    /// Stages `_metadata` and opens the output as verification reads it: where the storage renames,
    /// `_metadata` is written into the temporary directory and read back from there; else it is
    /// held until `commit()` and the state files are read with it from memory.
    func stageMetadata(_ bytes: [UInt8]) throws -> () throws -> Savepoint {
        let metadataPath = storage.path(Savepoint.metadataFileName, in: directory)
        guard renames else {
            pendingMetadata = bytes
            return { [storage, directory] in
                try Savepoint.open(directory, metadataPath: metadataPath, bytes: bytes, in: storage.readingBack)
            }
        }
        try Self.writeFile(bytes, to: metadataPath, in: storage)
        return { [storage, directory] in try Savepoint.open(directory, in: storage.readingBack) }
    }

    /// A whole file written at once; errors name it.
    static func writeFile(_ bytes: [UInt8], to path: String, in storage: any Storage) throws {
        let writer = try storage.create(path)
        do {
            try writer.write(bytes)
            try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// On SIGINT/SIGTERM: remove the temporary directory (unless already renamed) and exit 128 + signal.
    func removeOnSignals() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                lock.lock()
                if !finished { removeTemporaryDirectory() }
                exit(128 + sig)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// Makes the output a savepoint: renames the finished directory into place (replacing `OUT`
    /// when forced), or writes the held-back `_metadata`.
    func commit() throws {
        lock.lock()
        defer { lock.unlock() }
        if let metadata = pendingMetadata {
            try Self.writeFile(metadata, to: storage.path(Savepoint.metadataFileName, in: directory), in: storage)
            finished = true
            stopHandlingSignals()
            return
        }
        var replaced: String?
        if !storage.status(finalPath).isMissing {
            guard force else { throw ConvertError.outputExists(finalPath) }
            let name = finalPath.split(separator: "/").last.map(String.init) ?? finalPath
            let aside = storage.path(".\(name).replaced-\(UUID().uuidString.lowercased())", in: storage.directory(of: directory))
            try move(finalPath, to: aside)
            replaced = aside
        }
        do {
            try move(directory, to: finalPath)
        } catch {
            if let replaced { try? storage.rename(replaced, to: finalPath) }
            throw error
        }
        finished = true
        if let replaced { try? storage.remove(replaced) }
        stopHandlingSignals()
    }

    /// Removes what was written (on any failure).
    func abandon() {
        lock.lock()
        defer { lock.unlock() }
        if !finished { removeTemporaryDirectory() }
        finished = true
        stopHandlingSignals()
    }

    /// Removes the directory being written, again while it is still there: on a signal the workers
    /// keep writing, and a file created between listing the directory and removing it leaves it
    /// behind (once the directory is gone, no worker can create anything in it).
    private func removeTemporaryDirectory() {
        for _ in 0..<100 where !storage.status(directory).isMissing {
            try? storage.remove(directory)
            if !storage.status(directory).isMissing { usleep(10_000) }
        }
    }

    private func stopHandlingSignals() {
        for s in signalSources { s.cancel() }
        if !signalSources.isEmpty {
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        signalSources = []
    }

    private func move(_ from: String, to: String) throws {
        do {
            try storage.rename(from, to: to)
        } catch let e as StorageError {
            throw SavepointError.io("cannot rename \(from) to \(to): \(e.reason)")
        }
    }
}
