import ArgumentParser
import Foundation
import SavepointKit

struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print every state entry as JSON Lines (dump schema v1).",
        usage: """
            savepoint dump <path> [--operator <uid|id> ...] [--state <name> ...]
                           [--key <json>] [--limit <n>] [--json]
                           [--uids <uid,...>] [--uids-from <file>]
            """,
        discussion: """
            One JSON object per line: operator (its uid, or its operator id in hex
            when the savepoint stores no uid and --uids names none), state, kind,
            key, namespace, userKey (map and broadcast entries), value, subtask
            (operator state), ttlTimestamp (TTL state). A timer's value is its
            timestamp (epoch milliseconds). Streams: one key group is in memory
            at a time. Repeat --operator or --state to select several; one that
            matches nothing is an error naming what exists.

            Examples:
              savepoint dump fixtures/2.3.0/basic/filesystem/savepoint \\
                  --operator counter --state count
              savepoint dump SAVEPOINT --key '"k42"'
              savepoint dump SAVEPOINT --state count --state buckets --limit 10
              savepoint dump SAVEPOINT | jq -c 'select(.kind == "map")'
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

    @Flag(help: "Accepted for symmetry with other commands; dump output is always JSON Lines.")
    var json = false

    @OptionGroup var names: UidOptions

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more, got \(limit)") }
    }

    func run() throws {
        var savepoint = try names.open(path)
        var filter = DumpFilter()
        filter.operatorSelectors = self.operator
        filter.stateNames = state
        filter.limit = limit
        if let key { filter.keyJSON = try DumpFilter.parseKey(key) }
        let output = JSONLinesOutput(fileDescriptor: STDOUT_FILENO)
        try ProgressLine.show("dump", &savepoint) { savepoint in
            try Dumper(savepoint: savepoint, filter: filter).run(into: output)
            try output.flush()
        }
    }
}
