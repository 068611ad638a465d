import ArgumentParser
import Foundation
import SavepointKit

struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print every state entry as JSON Lines (dump schema v1).",
        discussion: """
            One JSON object per line: operator (uid, or operator id in hex when the savepoint stores no
            uid), state, kind, key, namespace, userKey (map and broadcast entries), value, and subtask for
            operator state. Output streams: one key group is in memory at a time.

            Examples:
              savepoint dump fixtures/2.3.0/basic/filesystem/savepoint --operator counter --state count
              savepoint dump SAVEPOINT --key '"k42"'
              savepoint dump SAVEPOINT --limit 10 | jq .value
            """
    )

    @Argument(help: "A savepoint directory, its _metadata file, or a retained checkpoint directory.")
    var path: String

    @Option(help: "Only this operator: its uid or its operator id in hex.")
    var `operator`: String?

    @Option(help: "Only states with this name.")
    var state: String?

    @Option(help: ArgumentHelp("Only entries whose key equals this JSON value.", valueName: "json"))
    var key: String?

    @Option(help: "Stop after this many lines.")
    var limit: Int?

    @Flag(help: "Accepted for symmetry with other commands; dump output is always JSON Lines.")
    var json = false

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
    }

    func run() throws {
        var savepoint = try Savepoint.open(path)
        var filter = DumpFilter()
        filter.operatorSelector = self.operator
        filter.stateName = state
        filter.limit = limit
        if let key { filter.keyJSON = try DumpFilter.parseKey(key) }
        let output = JSONLinesOutput(fileDescriptor: STDOUT_FILENO)
        try ProgressLine.show("dump", &savepoint) { savepoint in
            try Dumper(savepoint: savepoint, filter: filter).run(into: output)
            try output.flush()
        }
    }
}
