import Foundation
import SavepointKit

/// A progress line on stderr while a long command reads a savepoint, only when stderr is a
/// terminal (never in pipes, files or CI logs).
enum ProgressLine {
    /// Counts the reads of `savepoint` and shows them while `body` runs.
    static func show<T>(_ label: String, _ savepoint: inout Savepoint, _ body: (Savepoint) throws -> T) rethrows -> T {
        guard Terminal.stderrIsTerminal else { return try body(savepoint) }
        let progress = ReadProgress(total: savepoint.metadata.stateSize)
        savepoint.progress = progress
        let done = DoneFlag()
        let thread = Thread {
            while !done.isSet {
                let read = progress.bytesRead
                let percent = min(100, Int(read * 100 / progress.total))
                let line = "\r\(label): \(percent)% (\(InspectTable.bytes(read)) of \(InspectTable.bytes(progress.total)))"
                FileHandle.standardError.write(Data(line.utf8))
                Thread.sleep(forTimeInterval: 0.25)
            }
        }
        thread.start()
        defer {
            done.set()
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        }
        return try body(savepoint)
    }
}

/// Tells the progress thread to stop.
final class DoneFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
