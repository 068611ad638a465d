import ArgumentParser
import Foundation
import SavepointKit
import SavepointMetadata

struct UidHash: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uid-hash",
        abstract: "Print Flink's operator id of each uid.",
        usage: """
            savepoint uid-hash <uid> ... [--json]
                               [--uids <uid,...>] [--uids-from <file>]
            """,
        discussion: """
            Flink matches an operator to its state by the operator id, the
            murmur3_128 hash of the uid set with .uid(...) (StreamGraphHasherV2).
            Flink 1.x savepoints store only the ids: this tells which operator a
            hash is. One line per uid: the id in hex, two spaces, the uid.

            Examples:
              savepoint uid-hash counter source
              savepoint uid-hash counter --json | jq -r '.[0].operatorId'
            """
    )

    @Argument(help: "Operator uids, as set with .uid(...) in the job.")
    var uids: [String] = []

    @Flag(help: "Print a JSON array of {uid, operatorId} instead of text.")
    var json = false

    @OptionGroup var names: UidOptions

    struct Hash: Encodable {
        var uid: String
        var operatorId: String
    }

    func validate() throws {
        if uids.isEmpty, names.uids == nil, names.uidsFrom == nil {
            throw ValidationError("name at least one uid (or --uids / --uids-from)")
        }
    }

    func run() throws {
        let all = uids + (try names.load())
        let hashes = all.map { Hash(uid: $0, operatorId: OperatorID(uid: $0).hex) }
        if json {
            try JSONOutput.write(hashes)
        } else {
            for h in hashes { print("\(h.operatorId)  \(h.uid)") }
        }
    }
}
