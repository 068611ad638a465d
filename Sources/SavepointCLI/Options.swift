import ArgumentParser
import Foundation
import SavepointKit

/// Operator uids for savepoints that store only operator ids (Flink 1.x): every command that
/// names operators takes them, matches their operator ids and shows the uids.
struct UidOptions: ParsableArguments {
    @Option(name: .customLong("uids"),
            help: ArgumentHelp("Operator uids, comma-separated: operators whose id is a uid's hash are shown by that uid (for savepoints that store ids only).",
                               valueName: "uid,..."))
    var uids: String?

    @Option(name: .customLong("uids-from"),
            help: ArgumentHelp("A file of operator uids, one per line (as --uids).", valueName: "file"),
            completion: .file())
    var uidsFrom: String?

    /// Every uid given, in order.
    func load() throws -> [String] {
        try UidList.parse(commaSeparated: uids ?? "") + (uidsFrom.map(UidList.read(file:)) ?? [])
    }

    /// Opens `path` with these uids applied.
    func open(_ path: String, allowExternalPaths: Bool = false) throws -> Savepoint {
        let uids = try load()
        var savepoint = try Savepoint.open(path, allowExternalPaths: allowExternalPaths)
        if !uids.isEmpty { savepoint.name(uids: uids) }
        return savepoint
    }
}

/// Writes a report in the one JSON style of every command.
enum JSONOutput {
    static func write<T: Encodable>(_ value: T) throws {
        FileHandle.standardOutput.write(Data(try ReportJSON.encode(value)))
    }
}

/// `--subtasks I-J` on `dump`, `validate` and `report`: one worker's share of the savepoint
/// (`SubtaskShard` says which parts each shard holds).
struct ShardOptions: ParsableArguments {
    @Option(name: .customLong("subtasks"),
            help: ArgumentHelp("Only subtasks I to J (inclusive) of each operator, or subtask I; savepoint-wide parts go with subtask 0. Shards 0-a, a+1-b, ... add up to the whole.",
                               valueName: "I-J"))
    var subtasks: String?

    func validate() throws {
        do {
            _ = try subtasks.map(SubtaskShard.parse)
        } catch let e as SavepointError {
            throw ValidationError(e.description)
        }
    }

    /// The shard asked for, checked against the savepoint's operators; nil without `--subtasks`.
    func shard(of savepoint: Savepoint) throws -> SubtaskShard? {
        guard let subtasks else { return nil }
        let shard = try SubtaskShard.parse(subtasks)
        try shard.check(against: savepoint.metadata.operatorStates)
        return shard
    }
}
