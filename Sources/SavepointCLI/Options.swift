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
