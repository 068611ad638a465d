import Bytes
import Dispatch
import Foundation

/// The output directory of a conversion or a rewrite: written as a hidden temporary sibling of
/// `OUT` (`.OUT.converting-…`, `.OUT.rewriting-…`), renamed into place only when complete and
/// verified, so `OUT` is either absent, the old one (--force), or the whole verified result —
/// never partial. SIGINT/SIGTERM remove the temporary directory.
final class ConversionOutput: @unchecked Sendable {
    let finalURL: URL
    let tempURL: URL
    let force: Bool
    private let lock = NSLock()
    private var finished = false
    private var signalSources: [DispatchSourceSignal] = []

    /// Refuses an existing `OUT` without `force`, with `force` anything but a savepoint or an
    /// empty directory (it would be deleted), and an `OUT` that is (inside) the input. Errors name
    /// `OUT`, never the temporary directory.
    init(final finalURL: URL, input: URL, force: Bool, activity: String = "converting") throws {
        guard !finalURL.path.isEmpty else { throw SavepointError.usage("the output path is empty") }
        let out = finalURL.standardizedFileURL, inp = input.standardizedFileURL
        if out.path == inp.path || out.path.hasPrefix(inp.path + "/") || inp.path.hasPrefix(out.path + "/") {
            throw ConvertError.sameDirectory(out.path)
        }
        switch FileStatus.of(out.path) {
        case .missing: break
        case let .unusable(reason): throw SavepointError.unreadable(path: out.path, reason: reason)
        case .directory, .regularFile, .special:
            guard force else { throw ConvertError.outputExists(out.path) }
            try Self.checkReplaceable(out.path)
        }
        let parent = out.deletingLastPathComponent()
        guard FileStatus.of(parent.path) == .directory else {
            throw SavepointError.io("\(out.path): cannot create the output: its parent directory \(parent.path) does not exist")
        }
        self.finalURL = out
        self.force = force
        tempURL = parent.appendingPathComponent(".\(out.lastPathComponent).\(activity)-\(UUID().uuidString.lowercased())")
        guard mkdir(tempURL.path, 0o755) == 0 else {
            throw SavepointError.io("\(out.path): cannot create the output: \(String(cString: strerror(errno))) (in \(parent.path))")
        }
    }

    /// `--force` replaces only what is safe to delete: a savepoint (a directory with a `_metadata`
    /// file) or an empty directory; never a file or a directory of something else.
    static func checkReplaceable(_ path: String) throws {
        guard FileStatus.of(path) == .directory else {
            throw ConvertError.notReplaceable(path, "it is not a directory")
        }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw SavepointError.unreadable(path: path, reason: FileStatus.listable(path).problemAsFile ?? "cannot list it")
        }
        guard entries.isEmpty || FileStatus.of((path as NSString).appendingPathComponent("_metadata")).isRegularFile else {
            throw ConvertError.notReplaceable(path, "it is neither a savepoint (no _metadata) nor empty")
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

    /// Renames the finished directory into place (replacing `OUT` when forced).
    func commit() throws {
        lock.lock()
        defer { lock.unlock() }
        let fm = FileManager.default
        var replaced: URL?
        if fm.fileExists(atPath: finalURL.path) {
            guard force else { throw ConvertError.outputExists(finalURL.path) }
            let aside = tempURL.deletingLastPathComponent()
                .appendingPathComponent(".\(finalURL.lastPathComponent).replaced-\(UUID().uuidString.lowercased())")
            try move(finalURL, to: aside)
            replaced = aside
        }
        do {
            try move(tempURL, to: finalURL)
        } catch {
            if let replaced { try? fm.moveItem(at: replaced, to: finalURL) }
            throw error
        }
        finished = true
        if let replaced { try? fm.removeItem(at: replaced) }
        stopHandlingSignals()
    }

    /// Removes the temporary directory (on any failure).
    func abandon() {
        lock.lock()
        defer { lock.unlock() }
        if !finished { removeTemporaryDirectory() }
        finished = true
        stopHandlingSignals()
    }

    /// Removes the temporary directory, again while it is still there: on a signal the workers
    /// keep writing, and a file created between listing the directory and removing it leaves it
    /// behind (once the directory is gone, no worker can create anything in it).
    private func removeTemporaryDirectory() {
        let fm = FileManager.default
        for _ in 0..<100 where fm.fileExists(atPath: tempURL.path) {
            try? fm.removeItem(at: tempURL)
            if fm.fileExists(atPath: tempURL.path) { usleep(10_000) }
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

    private func move(_ from: URL, to: URL) throws {
        do {
            try FileManager.default.moveItem(at: from, to: to)
        } catch {
            throw SavepointError.io("cannot rename \(from.path) to \(to.path): \(error.localizedDescription)")
        }
    }
}
