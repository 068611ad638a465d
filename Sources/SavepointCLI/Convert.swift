import ArgumentParser
import Foundation
import SavepointKit

extension ConvertOptions.Target: ExpressibleByArgument {}
extension ConvertOptions.TableCompression: ExpressibleByArgument {}

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rewrite a savepoint in another physical form (memory, filesystem, LSM), offline.",
        discussion: """
            Targets:
              memory      every stream inline in _metadata (JobManager storage);
                          restores on both backends. Warns when a stream
                          exceeds the 5 MiB Flink accepts by default.
              filesystem  canonical streams in files beside _metadata (below
                          --inline-threshold, 20 KiB by default, inlined);
                          restores on both backends.
              lsm         RocksDB native files (SST, MANIFEST, CURRENT,
                          OPTIONS); restores on RocksDB only, timers only
                          with RocksDB's own timer service (warned).
            Converting to the same form re-encodes (e.g. to change the
            compression or the inline threshold). Subtasks are converted side
            by side on every core; a progress line shows on a terminal.

            Safety: IN is only read. OUT is written into a hidden temporary
            directory beside it, read back and compared with IN (per state:
            entry count and a digest of every key and value), and renamed into
            place only when equal. A mismatch exits 1 and leaves no OUT; so do
            SIGINT and SIGTERM. An existing OUT is refused unless --force.

            --skip-corrupt keeps going past damage: a damaged key-group block
            costs that key group, a missing or unreadable file the key groups
            (or operator-state partitions) it holds, a bad SST block the key
            groups it may hold of its state. OUT is still written, holds what
            read (verified against it) and restores on Flink; what was skipped
            is in the summary, on stderr, and in the JSON report ("skipped").

            Exit codes: 0 converted and verified, 1 verification failed (no
            OUT) or, with --skip-corrupt, something was skipped (OUT written),
            2 unreadable input or usage error.

            Examples:
              savepoint convert fixtures/2.3.0/basic/memory/savepoint \\
                  /tmp/sp-fs --to filesystem
              savepoint convert NATIVE_SAVEPOINT /tmp/sp-canonical \\
                  --to filesystem --snapshot-compression
              savepoint convert SAVEPOINT /tmp/sp-rocksdb --to lsm \\
                  --compression zstd --json
            """
    )

    @Argument(help: "The savepoint to convert: a directory, its _metadata file, or a chk-N directory.")
    var input: String

    @Argument(help: "The directory to create (must not exist unless --force).")
    var output: String

    @Option(help: "The form to write: memory, filesystem or lsm.")
    var to: ConvertOptions.Target

    @Option(help: "SST block compression for --to lsm: none, snappy, lz4 or zstd.")
    var compression: ConvertOptions.TableCompression = .snappy

    @Flag(inversion: .prefixedNo,
          help: "Snappy-compress canonical keyed state streams as Flink's snapshot compression does (default: as the input).")
    var snapshotCompression: Bool?

    @Option(help: ArgumentHelp("Inline streams smaller than this into _metadata (filesystem and lsm forms).", valueName: "bytes"))
    var inlineThreshold: Int?

    @Flag(help: "Replace OUT if it exists.")
    var force = false

    @Flag(help: "Print a JSON report instead of text.")
    var json = false

    @Flag(help: "Keep going past damaged key groups, missing files and bad SST blocks: write what reads (still verified), report what was skipped, exit 1.")
    var skipCorrupt = false

    func validate() throws {
        if let inlineThreshold, inlineThreshold < 0 { throw ValidationError("--inline-threshold must be 0 or more") }
        if inlineThreshold != nil, to == .memory {
            throw ValidationError("--inline-threshold does not apply to --to memory (everything is inline)")
        }
    }

    func run() throws {
        var options = ConvertOptions(target: to, tableCompression: compression, snapshotCompression: snapshotCompression,
                                     inlineThreshold: inlineThreshold, force: force, handleSignals: true)
        // Test hook: slow the conversion down so a test can interrupt it.
        if let pause = ProcessInfo.processInfo.environment["SAVEPOINT_CONVERT_TEST_PAUSE"].flatMap(Double.init) {
            options.pauseAfterEachSubtask = pause
        }
        options.skipCorrupt = skipCorrupt
        let report: ConvertReport
        do {
            var savepoint = try Savepoint.open(input)
            report = try ProgressLine.show("convert", &savepoint) { savepoint in
                var converter = Converter(input: savepoint, options: options)
                return try converter.write(to: URL(fileURLWithPath: output))
            }
        } catch let e as ConvertError {
            if case .verificationFailed = e { throw CommandFailure(message: e.description, exitCode: 1) }
            throw CommandFailure(message: e.description, exitCode: 2)
        }
        for w in report.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            FileHandle.standardOutput.write(try encoder.encode(report))
            FileHandle.standardOutput.write(Data("\n".utf8))
        } else {
            print(Self.text(report))
            for s in report.skipped ?? [] { FileHandle.standardError.write(Data("skipped: \(s.line)\n".utf8)) }
        }
        if report.skipped?.isEmpty == false { throw ExitCode(1) }
    }

    static func text(_ r: ConvertReport) -> String {
        let size = ByteCountFormatter.string(fromByteCount: r.bytesWritten, countStyle: .binary)
        return """
            \(Terminal.bold("converted")) \(r.input) (\(r.inputForm)) -> \(r.output) (\(r.target.rawValue))
              \(r.operators) operators, \(r.subtasks) subtasks, \(r.keyedEntries) keyed entries verified, \
            \(r.filesWritten) files + _metadata (\(r.metadataSize) B), \(size) in all, \(String(format: "%.2f", r.seconds)) s
            """ + skippedSummary(r.skipped ?? [])
    }

    /// What --skip-corrupt left out, on one line (each skip follows on stderr).
    static func skippedSummary(_ skipped: [SkippedRange]) -> String {
        guard !skipped.isEmpty else { return "" }
        let keyGroups = skipped.compactMap(\.keyGroups).reduce(0) { $0 + $1.last - $1.first + 1 }
        let operatorState = skipped.filter { $0.partitions != nil }.count
        let files = skipped.filter { $0.keyGroups == nil && $0.partitions == nil }.count
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        return "\n  \(Terminal.bold("skipped")) what does not read (left out of the output): \(count(keyGroups, "key group")), "
            + "\(count(operatorState, "operator state stream")), \(count(files, "file")) without entries"
    }
}
