import ArgumentParser
import Foundation
import SavepointKit

/// `savepoint schema show | check`: the state types of a savepoint, and what Flink will do when a
/// job with other types restores it.
struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Show a savepoint's state types; check and migrate them to a new job's.",
        discussion: """
            A schema document (show --json) lists per operator the key type and
            per state its kind, type and namespace, each type one string in the
            notation inspect prints: Long, Tuple2<String, Integer>,
            POJO com.acme.Order{id: Long, note: String}, Row(f0: String, f1: Long),
            List<String>, Map<String, Long>, TTL<String>, Enum com.acme.Color,
            Nullable<Long>, Kryo com.acme.Opaque. Edit it to the new job's types
            and check tells, per state, what Flink will do on restore.

            Examples:
              savepoint schema show SAVEPOINT
              savepoint schema show SAVEPOINT --json > new-job.json
              savepoint schema check SAVEPOINT --against new-job.json
              savepoint schema migrate SAVEPOINT /tmp/migrated --to new-job.json
            """,
        subcommands: [Show.self, Check.self, Migrate.self]
    )

    /// Reading a document or a savepoint's types fails with exit 2, its place named.
    static func reading<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SchemaDocumentError {
            throw CommandFailure(message: error.description, exitCode: 2)
        } catch let error as SchemaTypeParser.Failure {
            throw CommandFailure(message: error.description, exitCode: 2)
        }
    }

    /// The schema document at `path` (a target), or exit 2 naming what is wrong with it.
    static func target(_ path: String) throws -> SchemaDocument {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw CommandFailure(message: "\(path): \(reason) (expected a schema document, e.g. from"
                                 + " savepoint schema show --json)", exitCode: 2)
        }
        return try reading { try SchemaDocument(json: Array(bytes), file: path) }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Print the key type and each state's kind, type and namespace.",
            usage: """
                savepoint schema show <path> [--json]
                                      [--uids <uid,...>] [--uids-from <file>]
                """,
            discussion: """
                Reads only the headers (serializer snapshots), never the state data.
                --json prints the schema document (schemaDocument 1) that
                schema check --against reads.

                Examples:
                  savepoint schema show fixtures/2.3.0/types/filesystem/savepoint
                  savepoint schema show SAVEPOINT --json > new-job.json
                """
        )

        @Argument(help: "A savepoint directory, its _metadata file, or a chk-N directory.", completion: .file())
        var path: String

        @Flag(help: "Print the schema document (JSON) instead of text.")
        var json = false

        @OptionGroup var names: UidOptions

        func run() throws {
            let savepoint = try names.open(path)
            let document = try Schema.reading { try SchemaDocument(savepoint) }
            if json {
                FileHandle.standardOutput.write(Data(try document.json()))
            } else {
                print(SchemaText.render(document, path: path, width: Terminal.width), terminator: "")
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Tell per state what Flink will do on restore with the target's types.",
            usage: """
                savepoint schema check <path> --against <target.json> [--json]
                                       [--flink-version 1|2] [--allow-non-restored-state]
                                       [--uids <uid,...>] [--uids-from <file>]
                """,
            discussion: """
                TARGET is a schema document for the new job: schema show --json,
                edited by hand, or shown from a savepoint the new job wrote. Per
                state, Flink's TypeSerializerSchemaCompatibility: compatible as is,
                compatible after migration (Flink migrates: POJO fields added or
                removed; TTL switched on or off, from Flink 2.0), or incompatible:
                which serializer, which field, why, and whether schema migrate can
                rewrite the savepoint so that Flink reads it. Operators and states
                only on one side are reported: new ones start empty, an operator
                dropped needs allowNonRestoredState.

                Exit 0 when Flink will restore and read every state, 1 when it will
                refuse (the job fails with StateMigrationException when the state is
                registered), 2 when the savepoint or TARGET cannot be read (a TARGET
                that does not parse is named with line and column).

                Examples:
                  savepoint schema check SAVEPOINT --against new-job.json
                  savepoint schema check SAVEPOINT --against new-job.json \\
                    --flink-version 1
                  savepoint schema check SAVEPOINT --against new-job.json --json \\
                    | jq '.operators[].states[] | select(.finding.restores == false)'
                """
        )

        @Argument(help: "A savepoint directory, its _metadata file, or a chk-N directory.", completion: .file())
        var path: String

        @Option(help: ArgumentHelp("The new job's schema document.", valueName: "target.json"), completion: .file())
        var against: String

        @Flag(help: "Print a JSON report instead of text.")
        var json = false

        @Option(help: ArgumentHelp("The Flink that will restore: 1 or 2 (1.20, 2.3 also read; default: the major version that wrote the savepoint).",
                                   valueName: "version"))
        var flinkVersion: String?

        @Flag(help: "The job runs with allowNonRestoredState: a dropped operator is no refusal.")
        var allowNonRestoredState = false

        @OptionGroup var names: UidOptions

        func validate() throws {
            if let v = flinkVersion, Self.major(v) == nil {
                throw ValidationError("--flink-version: expected 1 or 2 (or a version such as 1.20.5), found \(v)")
            }
        }

        static func major(_ version: String) -> Int? {
            let first = version.split(separator: ".").first.flatMap { Int($0.replacingOccurrences(of: "x", with: "")) }
            return first.flatMap { [1, 2].contains($0) ? $0 : nil }
        }

        func run() throws {
            let savepoint = try names.open(path)
            let old = try Schema.reading { try SchemaDocument(savepoint) }
            let new = try Schema.target(against)
            let major = flinkVersion.flatMap(Self.major) ?? (old.flinkVersion == "1.x" ? 1 : 2)
            let report = SchemaCheckReport(savepoint: old, path: path, against: new, targetPath: against,
                                           flinkMajor: major, allowNonRestoredState: allowNonRestoredState)
            if json {
                try JSONOutput.write(report)
            } else {
                print(SchemaText.render(report, width: Terminal.width), terminator: "")
            }
            if !report.restores { throw ExitCode(1) }
        }
    }

    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate",
            abstract: "Rewrite the changed states so that the new job restores them as is.",
            usage: """
                savepoint schema migrate <input> <output> --to <target.json>
                                         [--map <file>] [--to-form <form>]
                                         [--now <millis>] [--force] [--json]
                                         [--uids <uid,...>] [--uids-from <file>]
                """,
            discussion: """
                For each keyed state whose type TARGET changes, every value is read
                with the old serializer and written with the new one, and the state's
                serializer snapshot becomes the one Flink writes for the new type:
                the new job's restore finds it compatible as is. Built: numeric
                widening (Integer -> Long, float -> double, also inside a POJO),
                POJO fields added (Java default: 0, false or null) and removed, TTL
                switched on (last access: --now) or off, a tuple or row to a POJO by
                position, boxed <-> Nullable<T>, inside lists, maps and tuples, in
                value, list, map, reducing and aggregating state (a map's user key
                type stays). --map FILE renames POJO fields and enum constants, one
                CLASS.MEMBER=NEW a line (com.acme.Order.qty=quantity): the value is
                carried over instead of lost. Anything else is refused with the
                reason before anything is written. OUT is written beside, read back
                and compared with the input as migrated; only then it appears.

                Exit 0 when OUT is written and verified, 1 when verification failed
                (nothing written), 2 for unreadable input or a refused migration.

                Examples:
                  savepoint schema migrate SAVEPOINT /tmp/migrated --to new-job.json
                  savepoint schema migrate SAVEPOINT /tmp/migrated --to new-job.json \\
                    --to-form lsm --now 1767225600000 --json
                  savepoint schema migrate SAVEPOINT /tmp/migrated --to new-job.json \\
                    --map renames.txt
                """
        )

        @Argument(help: "The savepoint to migrate: a directory, its _metadata, or chk-N.", completion: .file())
        var input: String

        @Argument(help: "The directory to create (must not exist unless --force).", completion: .directory)
        var output: String

        @Option(help: ArgumentHelp("The new job's schema document.", valueName: "target.json"), completion: .file())
        var to: String

        @Option(help: ArgumentHelp("Renamed POJO fields and enum constants, CLASS.MEMBER=NEW a line.", valueName: "file"),
                completion: .file())
        var map: String?

        @Option(help: ArgumentHelp("The form to write: memory, filesystem or lsm (default: the input's).", valueName: "form"))
        var toForm: ConvertOptions.Target?

        @Option(help: ArgumentHelp("The last access of values TTL is switched on for, in ms since the epoch (default: now).",
                                   valueName: "millis"))
        var now: Int64?

        @Flag(help: "Replace OUT if it is a savepoint or an empty directory.")
        var force = false

        @Flag(help: "Print a JSON report instead of text.")
        var json = false

        @OptionGroup var names: UidOptions

        func run() throws {
            let savepoint = try names.open(input)
            let target = try Schema.target(to)
            let renames = try map.map(Self.renames) ?? SchemaRenames()
            let migration: SchemaMigration
            do {
                migration = try Schema.reading { try SchemaMigration(input: savepoint, target: target, renames: renames) }
            } catch let refusal as MigrationRefusal {
                throw CommandFailure(message: "\(input): cannot migrate \(refusal); nothing written", exitCode: 2)
            }
            let report = try migration.write(to: output,
                                             options: .init(target: toForm, force: force, handleSignals: true, now: now))
            if json { return try JSONOutput.write(report) }
            for s in report.states {
                print("migrated \(s.operator)/\(s.state): \(s.from) -> \(s.to) (\(s.entries) entries)")
            }
            if report.states.isEmpty { print("no state changes type; copied as it is") }
            print("wrote \(report.output) (\(report.target.rawValue), \(report.keyedEntries) keyed entries, verified) in \(report.seconds) s")
        }

        /// The `--map` file, or exit 2 naming what is wrong with it (its line).
        static func renames(_ path: String) throws -> SchemaRenames {
            guard let bytes = FileManager.default.contents(atPath: path) else {
                let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
                throw CommandFailure(message: "\(path): \(reason) (expected renames, CLASS.MEMBER=NEW a line)", exitCode: 2)
            }
            return try Schema.reading { try SchemaRenames(text: String(decoding: bytes, as: UTF8.self), file: path) }
        }
    }
}
