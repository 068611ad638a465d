import ArgumentParser
import Foundation
import SavepointKit

struct Rewrite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rewrite",
        abstract: "Change uids, operators, max parallelism, states and keys, offline.",
        usage: """
            savepoint rewrite <input> <output> [--set-uid <old=new> ...]
                              [--set-operator-id <op=hex> ...]
                              [--remove-operator <op> ...]
                              [--rename-state <op/old=new> ...]
                              [--drop-state <op/state> ...]
                              [--delete-keys <op=file> ...]
                              [--keep-keys <op=file> ...]
                              [--upsert <file.jsonl> ...]
                              [--purge-expired-ttl <[op/state=]duration> ...]
                              [--now <millis>]
                              [--max-parallelism <n|op=n> ...] [--to <form>]
                              [--plan <file.json>] [--dry-run] [--force] [--json]
                              [--uids <uid,...>] [--uids-from <file>]
            """,
        discussion: """
            Flink matches state to operators by operator id only: murmur3_128 of
            the uid. After a uid changed in the code, --set-uid OLD=NEW moves the
            operator's state (keyed, operator and coordinator state) to the id of
            NEW, so the changed job restores it. OP is a uid or an operator id in
            hex; --uids names the operators of Flink 1.x savepoints. Flink
            restores keyed state by name: --rename-state OP/OLD=NEW follows a
            state renamed in the code; --drop-state OP/STATE removes a stale
            state and its entries (every form; in RocksDB's native form the
            states are column families). --delete-keys OP=FILE drops every entry
            and timer of the keys in FILE, --keep-keys OP=FILE all but those:
            one key a line as dump prints it ("k42", 42, ["a",1]).
            --upsert FILE writes the values of FILE's lines, as dump prints them,
            into the same entries (operator, state, key, namespace, userKey) of
            value and map state, encoded with the state's serializer; a line
            matching no entry is inserted, in the key group Flink assigns its
            key. A value that does not fit is refused by line.
            --purge-expired-ttl 36h drops the entries of every TTL state whose
            last access + 36h is at or before --now (ms since the epoch; default:
            the clock); OP/STATE=DURATION names one state (value, map and list
            state, whose expired elements go; the TTL is the job's
            StateTtlConfig, not in the savepoint).
            --max-parallelism N changes the number of key groups, which Flink
            never allows (FLINK-13093): every keyed entry and timer moves to the
            key group Flink assigns its key (murmur hash of the key's Java
            hashCode) and to the subtask owning it at the same parallelism,
            through sorted spill files beside OUT. Keys must be Strings, boxed
            primitives, or Tuples and Rows of them; other key types are refused
            by name. OP=N changes one operator only (Flink wants one max
            parallelism per chain). --to FORM (memory, filesystem, lsm)
            converts in the same pass; without it OUT keeps IN's form.
            Operations repeat and combine; --plan reads them from a file:
              {"version": 1, "operations": [
                {"operation": "set-uid", "operator": "counter", "to": "count-v2"},
                {"operation": "drop-state", "operator": "counter",
                 "state": "events"},
                {"operation": "remove-operator", "operator": "window"}]}
            Command-line operations follow the file's. A contradiction (removing
            and renaming one operator, two operators with one id, a new id that
            another operator has, a rename onto an existing state, one state
            dropped and renamed) or an unknown operator or state exits 2 before
            anything is written. --dry-run prints what would change, with the
            entries kept and dropped per state it touches, and writes nothing.

            Operators whose entries the plan leaves alone keep their state
            files, copied byte for byte: a uid change costs what copying the
            savepoint costs. The others (dropped states, renames in the native
            form, key filters, a new max parallelism, all with --to) are read,
            changed and written again, as savepoint convert writes them. OUT is
            written beside itself in a hidden directory, read back (copied files
            by size and hash, rewritten state by entry count and digest against
            IN with the plan applied, _metadata as planned, quick validation)
            and renamed into place only then; SIGINT and SIGTERM leave no OUT.
            An existing OUT is refused unless --force, which replaces only a
            savepoint or an empty directory.

            Exit codes: 0 rewritten and verified, 1 verification failed,
            2 unreadable input or usage error.

            Examples:
              savepoint rewrite fixtures/2.3.0/basic/filesystem/savepoint \\
                  /tmp/sp-renamed --set-uid counter=counter-v2
              savepoint rewrite SAVEPOINT /tmp/sp-lean --remove-operator window
              savepoint rewrite SAVEPOINT /tmp/sp-total --rename-state counter/count=total
              savepoint rewrite SAVEPOINT /tmp/sp-lean --drop-state counter/events
              savepoint rewrite SAVEPOINT /tmp/sp-less --delete-keys counter=keys.jsonl
              savepoint rewrite SAVEPOINT /tmp/sp-fixed --upsert patch.jsonl
              savepoint rewrite SAVEPOINT /tmp/sp-fresh --purge-expired-ttl 3650d \\
                  --now 1767225600000 --dry-run
              savepoint rewrite SAVEPOINT /tmp/sp-256 --max-parallelism 256
              savepoint rewrite SAVEPOINT /tmp/sp-native --set-uid counter=c2 --to lsm
              savepoint rewrite SAVEPOINT_1X /tmp/sp-v2 --uids source,counter \\
                  --set-uid counter=counter-v2 --dry-run
              savepoint rewrite SAVEPOINT /tmp/sp-out --plan plan.json --json
            """
    )

    @Argument(help: "The savepoint to rewrite: a directory, its _metadata, or chk-N.",
              completion: .file())
    var input: String

    @Argument(help: "The directory to create (must not exist unless --force).",
              completion: .directory)
    var output: String

    @Option(help: ArgumentHelp("Give operator OLD (a uid or id) the id and uid of NEW (repeatable).",
                               valueName: "old=new"))
    var setUid: [String] = []

    @Option(help: ArgumentHelp("Give operator OP this operator id, 32 hex digits (repeatable; for setUidHash).",
                               valueName: "op=hex"))
    var setOperatorId: [String] = []

    @Option(help: ArgumentHelp("Remove operator OP and all its state (repeatable).", valueName: "op"))
    var removeOperator: [String] = []

    @Option(help: ArgumentHelp("Rename keyed state OLD of operator OP to NEW (repeatable).", valueName: "op/old=new"))
    var renameState: [String] = []

    @Option(help: ArgumentHelp("Drop keyed state STATE of operator OP and its entries (repeatable).", valueName: "op/state"))
    var dropState: [String] = []

    @Option(help: ArgumentHelp("Drop operator OP's entries of the keys in FILE (repeatable).", valueName: "op=file"))
    var deleteKeys: [String] = []

    @Option(help: ArgumentHelp("Keep only operator OP's entries of the keys in FILE (repeatable).", valueName: "op=file"))
    var keepKeys: [String] = []

    @Option(help: ArgumentHelp("Write FILE's dump lines into their entries, or insert them (repeatable).",
                               valueName: "file.jsonl"), completion: .file(extensions: ["jsonl"]))
    var upsert: [String] = []

    @Option(help: ArgumentHelp("Drop TTL entries expired after DURATION (36h, 3650d), in every TTL state or OP/STATE (repeatable).",
                               valueName: "[op/state=]duration"))
    var purgeExpiredTtl: [String] = []

    @Option(help: ArgumentHelp("The time TTL expiry is measured at, ms since the epoch (default: now).", valueName: "millis"))
    var now: Int64?

    @Option(help: ArgumentHelp("Re-key every operator (N) or operator OP (OP=N) to max parallelism N (repeatable).",
                               valueName: "n|op=n"))
    var maxParallelism: [String] = []

    @Option(help: ArgumentHelp("Write OUT in this form: memory, filesystem or lsm (default: as IN).", valueName: "form"))
    var to: ConvertOptions.Target?

    @Option(help: ArgumentHelp("Read operations from this plan file (JSON, see above).", valueName: "file.json"),
            completion: .file(extensions: ["json"]))
    var plan: String?

    @Flag(help: "Print what the plan would do; write nothing.")
    var dryRun = false

    @Flag(help: "Replace OUT if it is a savepoint or an empty directory.")
    var force = false

    @Flag(help: "Print a JSON report instead of text.")
    var json = false

    @OptionGroup var names: UidOptions

    /// Test hook: pause this long before verifying, so a test can interrupt a rewrite.
    @Option(name: .customLong("test-pause-before-verification"), help: .hidden)
    var testPauseBeforeVerification: Double?

    func validate() throws {
        if output.isEmpty { throw ValidationError("the output path is empty") }
    }

    func run() throws {
        var operations = try plan.map { try RewritePlan.read(file: $0).operations } ?? []
        operations += try setUid.map(RewritePlan.setUid) + setOperatorId.map(RewritePlan.setOperatorID)
            + removeOperator.map(RewritePlan.removeOperator) + renameState.map(RewritePlan.renameState)
            + dropState.map(RewritePlan.dropState) + deleteKeys.map(RewritePlan.deleteKeys) + keepKeys.map(RewritePlan.keepKeys)
            + purgeExpiredTtl.map(RewritePlan.purgeExpiredTTL) + maxParallelism.map(RewritePlan.setMaxParallelism)
            + upsert.map { RewritePlan.Operation.upsert(file: $0) }
        guard !operations.isEmpty || to != nil else {
            throw CommandFailure(message: "nothing to do: give --set-uid, --set-operator-id, --remove-operator, --rename-state, --drop-state, --delete-keys, --keep-keys, --upsert, --purge-expired-ttl, --max-parallelism, --to or --plan", exitCode: 2)
        }
        var options = Rewriter.Options(force: force, dryRun: dryRun, handleSignals: true)
        options.target = to
        if let now { options.now = now }
        if let pause = testPauseBeforeVerification {
            options.beforeVerification = { _ in Thread.sleep(forTimeInterval: pause) }
        }
        let rewriter = Rewriter(input: try names.open(input), plan: RewritePlan(operations: operations), options: options)
        let report = try rewriter.write(to: output)
        if json {
            try JSONOutput.write(report)
        } else {
            print(Self.text(report))
            for w in report.warnings { Terminal.warning(w) }
        }
    }

    static func text(_ r: RewriteReport) -> String {
        var lines = [r.dryRun ? "\(Terminal.bold("would rewrite")) \(r.path) -> \(r.output) (dry run, nothing written)"
                              : "\(Terminal.bold("rewrote")) \(r.path) -> \(r.output)"]
        for op in r.operators {
            let what: String
            if op.removed {
                what = " removed"
            } else if let id = op.newOperatorId {
                let uid = op.newUid.map { " uid \($0)" + (op.uidStored ? "" : " (not stored: this _metadata version keeps ids only)") } ?? ""
                what = " -> \(id)\(uid)"
            } else {
                what = ""
            }
            lines.append("  \(op.operator) (\(op.operatorId))\(what)")
            let states = op.states.isEmpty ? "no state"
                : op.states.map { name in
                    op.droppedStates.contains(name) ? "\(name) dropped" : op.renamedStates[name].map { "\(name) -> \($0)" } ?? name
                }.joined(separator: ", ")
            lines.append("    \(op.subtasks) subtasks: \(states)" + (op.coordinatorState ? "; coordinator state" : ""))
            if let n = op.newMaxParallelism {
                lines.append("    max parallelism \(op.maxParallelism) -> \(n)" + (n == op.maxParallelism ? " (unchanged)" : ""))
            }
            // Each state whose entries change; the others in one line.
            var unchanged = (states: 0, entries: Int64(0))
            for e in op.entries ?? [] where e.read > 0 || e.inserted != nil {
                guard e.dropped != 0 || op.droppedStates.contains(e.state) || e.replaced != nil || e.inserted != nil
                        || e.elementsDropped != nil else {
                    unchanged = (unchanged.states + 1, unchanged.entries + e.read)
                    continue
                }
                let replaced = e.replaced.map { ", \($0) \(r.dryRun ? "to replace" : "replaced")" } ?? ""
                let inserted = e.inserted.map { ", \($0) \(r.dryRun ? "to insert" : "inserted")" } ?? ""
                let elements = e.elementsDropped.map { ", \($0) list elements \(r.dryRun ? "to drop" : "dropped")" } ?? ""
                lines.append("    \(e.state): \(e.read) entries, \(e.kept) \(r.dryRun ? "to keep" : "kept"), \(e.dropped) \(r.dryRun ? "to drop" : "dropped")\(replaced)\(inserted)\(elements)")
            }
            if unchanged.states > 0 {
                lines.append("    \(unchanged.states) other state\(unchanged.states == 1 ? "" : "s"): all \(unchanged.entries) entries \(r.dryRun ? "to keep" : "kept")")
            }
        }
        if r.operatorsConverted > 0 {
            let form = r.target.map { " as \($0.rawValue)" } ?? ""
            lines.append("  \(r.operatorsConverted) operator\(r.operatorsConverted == 1 ? "" : "s") \(r.dryRun ? "to write" : "written") entry by entry\(form)")
        }
        let size = r.bytesCopied == 0 ? "0 B" : ByteCountFormatter.string(fromByteCount: r.bytesCopied, countStyle: .binary)
        let verb = r.dryRun ? "to copy" : "copied and verified"
        lines.append("  \(r.operatorsWritten) operator\(r.operatorsWritten == 1 ? "" : "s") left, \(r.filesCopied) state files \(verb) (\(size)), "
            + "_metadata \(r.metadataSize) B" + (r.dryRun ? "" : ", \(String(format: "%.2f", r.seconds)) s"))
        return lines.joined(separator: "\n")
    }
}
