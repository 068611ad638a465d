import ArgumentParser
import Foundation
import SavepointKit

extension ConvertOptions.Target: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { ["memory", "filesystem", "lsm", "jobmanager", "canonical", "rocksdb"] }
}
extension ConvertOptions.TableCompression: ExpressibleByArgument {}

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Rewrite a savepoint in another physical form, offline.",
        usage: """
            savepoint convert <input> <output> --to <form> [--force] [--skip-corrupt]
                              [--json] [--compression <none|snappy|lz4|zstd>]
                              [--[no-]snapshot-compression]
                              [--inline-threshold <bytes>]
                              [--uids <uid,...>] [--uids-from <file>]
            """,
        discussion: """
            Targets (Flink's words in brackets are accepted too):
              memory      every stream inline in _metadata [jobmanager];
                          restores on both backends. Warns when a stream
                          exceeds the 5 MiB Flink accepts by default.
              filesystem  CANONICAL streams in files beside _metadata
                          [canonical]; below --inline-threshold (20 KiB by
                          default) inlined; restores on both backends.
              lsm         RocksDB NATIVE files (SST, MANIFEST, CURRENT,
                          OPTIONS) [rocksdb, native]; restores on RocksDB
                          only, timers only with RocksDB's own timer
                          service (warned).
            Converting to the same form re-encodes (e.g. to change the
            compression or the inline threshold). Subtasks are converted side
            by side on every core; a progress line shows on a terminal.

            Safety: IN is only read. OUT is written into a hidden temporary
            directory beside it, read back and compared with IN (per state:
            entry count and a digest of every key and value), and renamed into
            place only when equal. A mismatch exits 1 and leaves no OUT; so do
            SIGINT and SIGTERM. An existing OUT is refused unless --force, which
            replaces only a savepoint or an empty directory.

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
                  --to canonical --snapshot-compression
              savepoint convert SAVEPOINT /tmp/sp-rocksdb --to rocksdb \\
                  --compression zstd --json
            """
    )

    @Argument(help: "The savepoint to convert: a directory, its _metadata, or chk-N.",
              completion: .file())
    var input: String

    @Argument(help: "The directory to create (must not exist unless --force).",
              completion: .directory)
    var output: String

    @Option(help: ArgumentHelp("The form to write: memory, filesystem or lsm.", valueName: "form"))
    var to: ConvertOptions.Target

    @Option(help: "SST block compression (lsm only): none, snappy (default), lz4, zstd.")
    var compression: ConvertOptions.TableCompression?

    @Flag(inversion: .prefixedNo,
          help: "Snappy-compress canonical keyed streams, as Flink's snapshot compression does (memory and filesystem only; default: as the input).")
    var snapshotCompression: Bool?

    @Option(help: ArgumentHelp("Inline streams smaller than this into _metadata (filesystem and lsm).", valueName: "bytes"))
    var inlineThreshold: Int?

    @Flag(help: "Replace OUT if it is a savepoint or an empty directory.")
    var force = false

    @Flag(help: "Print a JSON report instead of text.")
    var json = false

    @OptionGroup var names: UidOptions

    /// Test hook: pause this long after each subtask, so a test can interrupt a conversion.
    @Option(name: .customLong("test-pause-after-subtask"), help: .hidden)
    var testPauseAfterSubtask: Double?

    @Flag(help: "Keep going past damaged key groups, missing files and bad SST blocks: write what reads (still verified), report what was skipped, exit 1.")
    var skipCorrupt = false

    func validate() throws {
        if output.isEmpty { throw ValidationError("the output path is empty") }
        if let inlineThreshold, inlineThreshold < 0 { throw ValidationError("--inline-threshold must be 0 or more") }
        if inlineThreshold != nil, to == .memory {
            throw ValidationError("--inline-threshold does not apply to --to memory (everything is inline)")
        }
        if compression != nil, to != .lsm {
            throw ValidationError("--compression (SST block compression) applies to --to lsm only; see --snapshot-compression")
        }
        if snapshotCompression != nil, to == .lsm {
            throw ValidationError("--snapshot-compression applies to the canonical forms (memory, filesystem); see --compression")
        }
    }

    func run() throws {
        var options = ConvertOptions(target: to, tableCompression: compression ?? .snappy, snapshotCompression: snapshotCompression,
                                     inlineThreshold: inlineThreshold, force: force, handleSignals: true)
        options.pauseAfterEachSubtask = testPauseAfterSubtask
        options.skipCorrupt = skipCorrupt
        var savepoint = try names.open(input)
        let report = try ProgressLine.show("convert", &savepoint) { savepoint in
            var converter = Converter(input: savepoint, options: options)
            return try converter.write(to: output)
        }
        for w in report.warnings { Terminal.warning(w) }
        if json {
            try JSONOutput.write(report)
        } else {
            print(Self.text(report))
            for s in report.skipped ?? [] { FileHandle.standardError.write(Data("skipped: \(s.line)\n".utf8)) }
        }
        if report.skipped?.isEmpty == false { throw ExitCode(1) }
    }

    static func text(_ r: ConvertReport) -> String {
        let size = ByteCountFormatter.string(fromByteCount: r.bytesWritten, countStyle: .binary)
        let from = r.inputOrigin?.short ?? r.inputForm
        let to = r.outputOrigin?.short ?? r.target.rawValue
        return """
            \(Terminal.bold("converted")) \(r.path) (\(from)) -> \(r.output) (\(to))
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
