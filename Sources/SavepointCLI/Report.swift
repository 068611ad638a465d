import ArgumentParser
import Foundation
import SavepointKit

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Where a savepoint's bytes are, and which keys make its state big.",
        usage: """
            savepoint report <path> [--top <n>] [--json] [--html <out.html>]
                             [--now <millis>] [--subtasks <I-J>] [--uids <uid,...>]
                             [--uids-from <file>]
            """,
        discussion: """
            Size accounting that adds up: _metadata plus every referenced file
            as it is on disk (the files inspect lists) is the total; each
            file's bytes go to one operator's subtask (keyed, operator or
            channel state) or its coordinator. Canonical keyed streams are
            split per key group by their offsets, RocksDB native state per
            file (SST tables, MANIFEST, OPTIONS).

            Per keyed state, from one pass over every entry (one key group at
            a time): entries, key and value bytes (canonical, uncompressed),
            min/median/max bytes per key group and per subtask, the --top
            largest entries with their keys as dump prints them (timer
            states: one entry per timer), and list values of 1 GiB or more
            (RocksDB cannot merge a list value beyond 2 GiB). TTL value and map
            states: entries and bytes by the age of their last access (the TTL
            timestamp), measured from --now (epoch milliseconds, default the
            clock): after now, < 1 h, 1 h - 1 d, 1 d - 7 d, 7 d - 30 d, 30 d - 1 y,
            1 y or more.

            Orphans, state nothing restores or reads: files beside _metadata it
            does not reference (a chk-N directory's only), RocksDB column
            families no state names, SST files the MANIFEST does not list, and
            keyed states without entries (timers excepted).

            --html writes one self-contained page (no network): a treemap of
            entry bytes (operator, state, subtask), a histogram of bytes per
            key group and the largest entries; its numbers are --json's.

            --subtasks I-J reports that share of every operator (_metadata and
            coordinators with subtask 0): entries, bytes, totalBytes and the
            per-key-group and per-subtask arrays of the shards add up to the
            whole report's; skews and largest entries are the shard's own.

            Examples:
              savepoint report fixtures/2.3.0/basic/filesystem/savepoint
              savepoint report SAVEPOINT --top 3 --json | jq '.totalBytes'
              savepoint report SAVEPOINT --html report.html
              savepoint report SAVEPOINT --json \\
                  | jq '.operators[].states[] | {name, bytes, keyGroupSkew}'
            """
    )

    @Argument(help: "A savepoint directory, its _metadata file, or a chk-N directory.",
              completion: .file())
    var path: String

    @Option(help: ArgumentHelp("The largest entries listed per state.", valueName: "n"))
    var top = 10

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Also write the report as one self-contained HTML page.",
                               valueName: "out.html"), completion: .file())
    var html: String?

    @Option(help: ArgumentHelp("Measure TTL ages from this time, in epoch milliseconds (default: the clock).",
                               valueName: "millis"))
    var now: Int64?

    @OptionGroup var names: UidOptions

    @OptionGroup var shard: ShardOptions

    func validate() throws {
        if top < 0 { throw ValidationError("--top takes a count of 0 or more") }
    }

    func run() throws {
        let savepoint = try names.open(path)
        let report = try SizeReport(savepoint, top: top, shard: try shard.shard(of: savepoint), now: now)
        if let html {
            guard FileManager.default.createFile(atPath: html, contents: Data(try SizeReportHTML.page(report))) else {
                throw CommandFailure(message: "\(html): cannot write the HTML report", exitCode: 2)
            }
        }
        if json {
            try JSONOutput.write(report)
        } else {
            print(Self.text(report, width: Terminal.width), terminator: "")
        }
    }

    static func text(_ r: SizeReport, width: Int) -> String {
        let b = InspectTable.bytes
        let shardNote = r.subtasks.map { " (subtasks \($0))" } ?? ""
        var out = TextLayout.wrap("\(r.path)\(shardNote): \(r.form), \(b(r.totalBytes)) (\(r.totalBytes) bytes), _metadata \(b(r.metadataBytes))",
                                  width: width)
        if !r.missingFiles.isEmpty {
            out += TextLayout.wrap("missing or unreadable (counted 0 bytes): " + r.missingFiles.joined(separator: ", "), width: width)
        }
        for o in r.orphans {
            let place = [o.operator.map { "operator \($0)" }, o.subtask.map { "subtask \($0)" }].compactMap { $0 }
            out += TextLayout.wrap(Terminal.yellow("orphan \(o.kind): ") + o.name
                + (place.isEmpty ? "" : " (" + place.joined(separator: ", ") + ")") + (o.kind == "empty-state" ? "" : ", \(b(o.bytes))"),
                width: width)
        }
        let share = { (n: Int64) in r.totalBytes == 0 ? "" : String(format: "%.1f%%", Double(n) * 100 / Double(r.totalBytes)) }
        out += "\n"
        out += TextLayout.table(
            header: ["operator", "subtasks", "keyed", "operator st.", "bytes", "share"],
            rows: r.operators.map { op in
                [op.uid ?? op.operatorId, "\(op.subtasks.count)", b(op.subtasks.reduce(0) { $0 + $1.keyedBytes }),
                 b(op.subtasks.reduce(0) { $0 + $1.operatorBytes }), b(op.bytes), share(op.bytes)]
            },
            width: width, flexible: 0)
        for op in r.operators where !op.states.isEmpty {
            out += "\n" + Terminal.bold(op.uid ?? op.operatorId) + "\n"
            out += TextLayout.table(
                header: ["state", "kind", "entries", "data", "key group min/med/max"],
                rows: op.states.map { s in
                    [s.name, s.kind, "\(s.entries)", b(s.bytes),
                     "\(b(s.keyGroupSkew.min)) / \(b(s.keyGroupSkew.median)) / \(b(s.keyGroupSkew.max))"]
                },
                width: width, flexible: 0)
            if op.subtasks.count > 1 {
                let sums = op.subtasks.map(\.keyedBytes).sorted()
                out += TextLayout.wrap("keyed bytes on disk per subtask, min/median/max: "
                    + "\(b(sums.first!)) / \(b(sums[(sums.count - 1) / 2])) / \(b(sums.last!))", width: width)
            }
            let timers = op.states.filter { $0.kind == "timer" }
            if !timers.isEmpty {
                out += TextLayout.wrap("timers: " + timers.map { "\($0.name) \($0.entries)" }.joined(separator: ", "), width: width)
            }
            if let families = op.columnFamilies, !families.isEmpty {
                out += TextLayout.table(
                    header: ["column family", "levels", "SSTs", "raw entries", "live", "bytes"],
                    rows: families.map { cf in
                        [cf.name, cf.levels.map(String.init).joined(separator: ","), "\(cf.sstCount)", "\(cf.rawEntries)",
                         cf.liveEntries.map(String.init) ?? "", b(cf.totalSize)]
                    },
                    width: width, flexible: 0)
            }
            for s in op.states where !s.largest.isEmpty {
                out += TextLayout.wrap("largest in \(s.name):", width: width)
                out += TextLayout.table(
                    header: ["bytes", "key group", "key"],
                    rows: s.largest.map { e in [b(e.bytes), "\(e.keyGroup)", Self.identity(e)] },
                    width: width, flexible: 2)
            }
            for s in op.states {
                guard let ages = s.ttlAge?.filter({ $0.entries > 0 }), !ages.isEmpty else { continue }
                out += TextLayout.wrap("TTL ages in \(s.name): "
                    + ages.map { "\($0.label) \($0.entries) (\(b($0.bytes)))" }.joined(separator: ", "), width: width)
            }
            for s in op.states where !s.nearMergeLimit.isEmpty {
                out += TextLayout.wrap(Terminal.yellow("near RocksDB's 2 GiB merge limit in \(s.name): ")
                    + s.nearMergeLimit.map { "\(Self.identity($0)) \(b($0.valueBytes))" }.joined(separator: ", "),
                    width: width)
            }
        }
        return out
    }

    /// The entry's key (and namespace, user key) as the JSON the dump prints.
    static func identity(_ e: SizeReport.Entry) -> String {
        let parts = [e.key, e.namespace, e.userKey].map { v in v.flatMap { try? ReportJSON.line($0) }
            .map { String(decoding: $0.dropLast(), as: UTF8.self) } }
        var text = parts[0] ?? "?"
        if let ns = parts[1], ns != "null", ns != "\"VoidNamespace\"" { text += " ns \(ns)" }
        if let uk = parts[2] { text += " → \(uk)" }
        return text
    }
}
