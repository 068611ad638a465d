import ArgumentParser
import Foundation
import SavepointKit

/// `savepoint upgrade IN OUT`: a Flink 1.x savepoint that Flink 2 restores and reads.
struct Upgrade: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Rewrite a Flink 1.x savepoint so that Flink 2 restores every state.",
        usage: """
            savepoint upgrade <input> <output> [--against <target.json>]
                              [--to <form>] [--force] [--json]
            savepoint upgrade <input> --check [--against <target.json>] [--json]
            """,
        discussion: """
            Per state: restores as is (Flink 2 reads it with its serializers),
            migrated by upgrade, or cannot be migrated (and why). Flink 2 gives
            POJO fields declared List, Set or Map its own collection serializers
            where 1.x used Kryo, and refuses such a POJO; upgrade re-encodes
            every value and writes the snapshot Flink 2 writes. Kryo keeps no
            element types: --against names them, a schema document of the new
            job (schema show --json of a savepoint it wrote, or edited by hand).
            A retained checkpoint becomes a self-contained savepoint. Anything
            that cannot be migrated is reported before anything is written.

            --check: exit 0 when Flink 2 restores it as is, 1 when it does not
            (the report tells whether upgrade can fix each state).
            Upgrade: exit 0 when OUT is written and verified, 1 when
            verification failed, 2 when a state cannot be migrated or the input
            is unreadable (nothing written).

            Examples:
              savepoint upgrade SAVEPOINT --check
              savepoint schema show NEW-JOB-SAVEPOINT --json > new-job.json
              savepoint upgrade SAVEPOINT /tmp/upgraded --against new-job.json
            """
    )

    @Argument(help: "A Flink 1.x savepoint: a directory, its _metadata, or chk-N.", completion: .file())
    var input: String

    @Argument(help: "The directory to create (must not exist unless --force).", completion: .directory)
    var output: String?

    @Flag(help: "Only report per state what Flink 2 does and what upgrade does.")
    var check = false

    @Option(help: ArgumentHelp("The new job's schema document (element types of collection fields).",
                               valueName: "target.json"), completion: .file())
    var against: String?

    @Option(help: ArgumentHelp("Write OUT in this form: memory, filesystem or lsm (default: as IN).", valueName: "form"))
    var to: ConvertOptions.Target?

    @Flag(help: "Replace OUT if it is a savepoint or an empty directory.")
    var force = false

    @Flag(help: "Print a JSON report instead of text.")
    var json = false

    @OptionGroup var names: UidOptions

    func validate() throws {
        if check, output != nil { throw ValidationError("--check writes nothing: give no OUT") }
        if !check, output == nil { throw ValidationError("give OUT, the directory to write (or --check)") }
    }

    func run() throws {
        let savepoint = try names.open(input)
        let target = try against.map(Schema.target)
        let plan = try Schema.reading { try UpgradePlan(input: savepoint, against: target) }
        if check {
            let report = UpgradeCheckReport(plan)
            if json { try JSONOutput.write(report) } else { print(Self.render(report, width: Terminal.width), terminator: "") }
            if !report.restoresAsIs { throw ExitCode(1) }
            return
        }
        let report: UpgradeReport
        do {
            report = try Upgrader(plan: plan).write(to: output!,
                                                    options: .init(target: to, force: force, handleSignals: true))
        } catch let refusal as UpgradeRefusal {
            if json { try JSONOutput.write(UpgradeCheckReport(plan)) }
            throw CommandFailure(message: "\(input): cannot upgrade \(refusal); nothing written", exitCode: 2)
        } catch let refusal as MigrationRefusal {
            throw CommandFailure(message: "\(input): cannot upgrade \(refusal); nothing written", exitCode: 2)
        }
        if json { return try JSONOutput.write(report) }
        for f in report.findings where f.verdict == .migrated {
            print(TextLayout.wrap("migrated \(f.operator)/\(f.state): \(f.type) -> \(f.upgradedType ?? "?")",
                                  width: Terminal.width, indent: 4), terminator: "")
        }
        for note in report.notes { print(TextLayout.wrap("note: \(note)", width: Terminal.width, indent: 2), terminator: "") }
        print("wrote \(report.output) (\(report.target.rawValue), \(report.keyedEntries) keyed entries,"
              + " \(report.migratedEntries) migrated, verified) in \(report.seconds) s")
    }

    /// Per state its verdict and name, then its type (and the upgraded one) and the reason,
    /// indented and wrapped to `width`.
    static func render(_ report: UpgradeCheckReport, width: Int) -> String {
        var out = "\(report.path) (written by Flink \(report.flinkVersion))\n\n"
        func indented(_ text: String) -> String { TextLayout.wrap("    " + text, width: width, indent: 6) }
        for s in report.states {
            out += TextLayout.wrap("\(s.verdict.rawValue)  \(s.operator)/\(s.state)", width: width, indent: 4)
            out += indented(s.type)
            if let to = s.upgradedType { out += indented("-> " + to) }
            if let reason = s.reason, s.verdict != .restoresAsIs { out += indented(reason) }
        }
        for note in report.notes { out += "\n" + TextLayout.wrap("note: \(note)", width: width, indent: 2) }
        let refused = report.states.filter { $0.verdict == .cannotMigrate }.count
        let migrated = report.states.filter { $0.verdict == .migrated }.count
        out += "\n"
        if report.restoresAsIs {
            out += "Flink 2 restores every state as is.\n"
        } else if report.upgradable {
            out += "Flink 2 refuses \(migrated) state\(migrated == 1 ? "" : "s") as is; upgrade migrates \(migrated == 1 ? "it" : "them").\n"
        } else {
            out += "\(refused) state\(refused == 1 ? "" : "s") cannot be migrated; upgrade refuses this savepoint.\n"
        }
        return out
    }
}
