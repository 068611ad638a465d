import ArgumentParser
import Foundation
import SavepointKit

struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print every state entry as JSON Lines (dump schema v1).",
        usage: """
            savepoint dump <path> [--operator <uid|id> ...] [--state <name> ...]
                           [--key <json>] [--limit <n>] [--skip-corrupt] [--json]
                           [--subtasks <I-J>] [--uids <uid,...>]
                           [--uids-from <file>]
            """,
        discussion: """
            One JSON object per line: operator (its uid, or its operator id in hex
            when the savepoint stores no uid and --uids names none), state, kind,
            key, namespace, userKey (map and broadcast entries), value, subtask
            (operator state), ttlTimestamp (TTL state). A timer's value is its
            timestamp (epoch milliseconds). Streams: one key group is in memory
            at a time. Repeat --operator or --state to select several; one that
            matches nothing is an error naming what exists.

            --skip-corrupt prints every entry that still reads: a damaged key-group block costs
            that key group, a missing or unreadable file the key groups (or operator-state
            partitions) it holds, a bad SST block the key groups it may hold of its state. Each
            skip is one line on stderr (file, key groups, operator, subtask, why; JSON with
            --json) and the exit code is 1.

            --subtasks I-J prints that share of every operator (a broadcast
            state with the lowest subtask holding it): the shards' dumps
            together are the whole dump, each line in one of them.

            Examples:
              savepoint dump fixtures/2.3.0/basic/filesystem/savepoint \\
                  --operator counter --state count
              savepoint dump SAVEPOINT --key '"k42"'
              savepoint dump SAVEPOINT --state count --state buckets --limit 10
              savepoint dump SAVEPOINT | jq -c 'select(.kind == "map")'
              savepoint dump SAVEPOINT --subtasks 4-7 > part-1.jsonl
            """
    )

    @Argument(help: "A savepoint directory, its _metadata file, or a chk-N directory.",
              completion: .file())
    var path: String

    @Option(help: ArgumentHelp("Only this operator: its uid or operator id in hex (repeatable).",
                               valueName: "uid|id"))
    var `operator`: [String] = []

    @Option(help: ArgumentHelp("Only states with this name (repeatable).", valueName: "name"))
    var state: [String] = []

    @Option(help: ArgumentHelp("Only entries whose key equals this JSON value.", valueName: "json"))
    var key: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Stop after this many lines.", valueName: "n"))
    var limit: Int?

    @Flag(help: "Keep going past damaged key groups, missing files and bad SST blocks: print what reads, report each skip on stderr, exit 1.")
    var skipCorrupt = false

    @Flag(help: "Diagnostics on stderr as JSON lines ({\"skipped\":{...}} per skip, {\"error\":\"...\"} for an unreadable input); the dump itself is always JSON Lines.")
    var json = false

    @OptionGroup var names: UidOptions

    @OptionGroup var shard: ShardOptions

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more, got \(limit)") }
    }

    func run() throws {
        do {
            try dump()
        } catch let e as SavepointError where json {
            FileHandle.standardError.write(Data(try ReportJSON.line(["error": e.description])))
            throw ExitCode(2)
        }
    }

    func dump() throws {
        var savepoint = try names.open(path)
        var filter = DumpFilter()
        filter.operatorSelectors = self.operator
        filter.stateNames = state
        filter.limit = limit
        filter.shard = try shard.shard(of: savepoint)
        if let key { filter.keyJSON = try DumpFilter.parseKey(key) }
        let output = JSONLinesOutput(fileDescriptor: STDOUT_FILENO)
        let salvage = skipCorrupt ? SalvageLog() : nil
        try ProgressLine.show("dump", &savepoint) { savepoint in
            var dumper = Dumper(savepoint: savepoint, filter: filter)
            dumper.salvage = salvage
            try dumper.run(into: output)
            try output.flush()
        }
        guard let skipped = salvage?.skipped, !skipped.isEmpty else { return }
        for s in skipped {
            FileHandle.standardError.write(Data(json ? try ReportJSON.line(["skipped": s]) : Array("skipped: \(s.line)\n".utf8)))
        }
        throw ExitCode(1)
    }
}
