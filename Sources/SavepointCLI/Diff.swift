import ArgumentParser
import Foundation
import SavepointKit

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "What changed between two savepoints or checkpoints of a job.",
        usage: """
            savepoint diff <old> <new> [--operator <uid|id> ...] [--state <name> ...]
                           [--entries] [--json]
                           [--uids <uid,...>] [--uids-from <file>]
            """,
        discussion: """
            First the structure: operators added and removed (by id, named by
            uid), parallelism and max parallelism, states added and removed,
            types changed (as inspect prints them), the form. Then per state:
            entries added, removed, changed and unchanged, and bytes. Any two
            forms compare (canonical and native, heap and RocksDB, savepoint
            and retained checkpoint): both sides are walked one key group at a
            time. A form change alone is no difference.

            --entries prints each entry that differs as a JSON line of the
            dump's schema plus "change": "added", "removed" or "changed"; a
            changed entry's value is NEW's and "before" holds OLD's (and
            "beforeTtlTimestamp" OLD's TTL timestamp, for TTL state).

            Where the max parallelism changed, keys sit in other key groups: that
            operator's keyed state is compared by key through temporary files
            (TMPDIR), about 32 MB of it in memory at a time.

            Exit: 0 equal, 1 different, 2 unreadable input or usage.

            Examples:
              savepoint diff fixtures/2.3.0/basic/rocksdb-native/savepoint \\
                  fixtures/2.3.0/basic/filesystem/savepoint
              savepoint diff OLD NEW --entries --operator counter | head
              savepoint diff OLD NEW --json | jq '.states[] | select(.changed > 0)'
            """
    )

    @Argument(help: "The earlier savepoint (a directory, _metadata, or chk-N).", completion: .file())
    var old: String

    @Argument(help: "The later savepoint.", completion: .file())
    var new: String

    @Option(help: ArgumentHelp("Only this operator: its uid or operator id in hex (repeatable).",
                               valueName: "uid|id"))
    var `operator`: [String] = []

    @Option(help: ArgumentHelp("Only states with this name (repeatable).", valueName: "name"))
    var state: [String] = []

    @Flag(help: "Print each differing entry as a JSON line (dump schema v1 plus change and before).")
    var entries = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    @OptionGroup var names: UidOptions

    func validate() throws {
        if entries, json { throw ValidationError("--entries prints JSON Lines already; give --entries or --json") }
    }

    func run() throws {
        var diff = SavepointDiff(old: try names.open(old), new: try names.open(new))
        diff.operatorSelectors = self.operator
        diff.stateNames = state
        let report = try diff.run(entries: entries ? JSONLinesOutput(fileDescriptor: STDOUT_FILENO) : nil)
        if json {
            try JSONOutput.write(report)
        } else if !entries {
            FileHandle.standardOutput.write(Data(Self.text(report, width: Terminal.width).utf8))
        }
        if !report.equal { throw ExitCode(1) }
    }

    static func text(_ r: DiffReport, width: Int) -> String {
        var out = TextLayout.wrap("OLD \(r.old): \(r.oldForm)", width: width)
        out += TextLayout.wrap("NEW \(r.new): \(r.newForm)", width: width)
        var lines: [String] = []
        if r.formChanged { lines.append("form changed") }
        func op(_ o: DiffReport.OperatorRef) -> String { o.uid.map { "\($0) (\(o.operatorId))" } ?? o.operatorId }
        lines += r.operatorsAdded.map { "operator added: \(op($0))" }
        lines += r.operatorsRemoved.map { "operator removed: \(op($0))" }
        lines += r.operatorChanges.map { "\($0.operator): \($0.field) \($0.old) -> \($0.new)" }
        lines += r.statesAdded.map { "state added: \($0.operator)/\($0.state) (\($0.kind))" }
        lines += r.statesRemoved.map { "state removed: \($0.operator)/\($0.state) (\($0.kind))" }
        lines += r.comparedByKey.map { "\($0): max parallelism changed: keyed state compared by key" }
        lines += r.typeChanges.map { "\($0.operator)/\($0.state ?? ""): \($0.field) \($0.old) -> \($0.new)" }
        out += lines.map { TextLayout.wrap($0, width: width) }.joined()
        if !r.states.isEmpty {
            let rows = r.states.map { s in
                ["\(s.operator)/\(s.state)", "\(s.added)", "\(s.removed)", "\(s.changed)", "\(s.unchanged)",
                 "\(s.oldBytes)", "\(s.newBytes)"]
            }
            out += TextLayout.table(header: ["state", "added", "removed", "changed", "same", "old bytes", "new bytes"],
                                    rows: rows, width: width, flexible: 0)
        }
        out += r.equal ? "equal\n" : Terminal.bold("different") + "\n"
        return out
    }
}
