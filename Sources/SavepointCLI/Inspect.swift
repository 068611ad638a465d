import ArgumentParser
import Foundation
import SavepointKit

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a savepoint holds: operators, states, types, sizes and files.",
        discussion: """
            Reads only _metadata, the state streams' headers and file sizes, never the state data, so it
            answers in milliseconds however large the savepoint.

            Examples:
              savepoint inspect fixtures/2.3.0/basic/filesystem/savepoint
              savepoint inspect path/to/savepoint/_metadata --json | jq '.operators[].uid'
            """
    )

    @Argument(help: "A savepoint directory, its _metadata file, or a retained checkpoint directory.")
    var path: String

    @Flag(help: "Print a JSON document (stable, documented in the man page) instead of a table.")
    var json = false

    func run() throws {
        let savepoint = try Savepoint.open(path)
        let report = try InspectReport(savepoint)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            FileHandle.standardOutput.write(try encoder.encode(report))
            FileHandle.standardOutput.write(Data("\n".utf8))
        } else {
            print(InspectTable.render(report), terminator: "")
        }
    }
}
