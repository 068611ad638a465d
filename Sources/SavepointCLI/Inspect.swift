import ArgumentParser
import Foundation
import SavepointKit

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what a savepoint holds: operators, states, types, sizes, files.",
        usage: """
            savepoint inspect <path> [--deep] [--json]
                              [--uids <uid,...>] [--uids-from <file>]
            """,
        discussion: """
            Reads _metadata, the state streams' headers and the file sizes, never
            the state data, so it answers in milliseconds however large the
            savepoint. --deep also reads every entry: entries and bytes per keyed
            state and, for RocksDB native state, the live entries a restore sees.

            Says what wrote the savepoint in Flink's words: snapshot format
            (CANONICAL, NATIVE), state backend (hashmap, rocksdb, forst; the 1.x
            class names too) and checkpoint storage (jobmanager, filesystem).

            Examples:
              savepoint inspect fixtures/2.3.0/basic/filesystem/savepoint
              savepoint inspect SAVEPOINT --json | jq '.operators[].uid'
              savepoint inspect SAVEPOINT_1X --uids source,counter,sink
              savepoint inspect file:/tmp/savepoints/savepoint-1a2b3c-4d5e6f7a8b9c
            """
    )

    @Argument(help: "A savepoint directory, its _metadata file, or a chk-N directory.",
              completion: .file())
    var path: String

    @Flag(help: "Also read every entry: per-state entries and bytes, live LSM entries.")
    var deep = false

    @Flag(help: "Print a JSON document (documented in the man page) instead of text.")
    var json = false

    @OptionGroup var names: UidOptions

    func run() throws {
        let savepoint = try names.open(path)
        let report = try InspectReport(savepoint, deep: deep)
        if json {
            try JSONOutput.write(report)
        } else {
            print(InspectTable.render(report, width: Terminal.width), terminator: "")
        }
    }
}
