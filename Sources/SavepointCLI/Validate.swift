import ArgumentParser
import Foundation
import SavepointKit

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check that a savepoint is intact and complete, before a restore does.",
        usage: """
            savepoint validate <path> [--deep] [--json] [--allow-external-paths]
                               [--subtasks <I-J>] [--uids <uid,...>]
                               [--uids-from <file>]
            """,
        discussion: """
            Quick checks (the default) read _metadata and file sizes: every
            referenced file is there, readable and large enough; the key-group
            ranges of every keyed operator cover [0, max parallelism) exactly
            once; parallelism and ranges agree; operator ids are unique; handle
            types belong together. --deep also decodes every entry with its
            serializer and recomputes the key group of every key whose Java
            hashCode is known: it catches a wrong max parallelism or a mangled
            key. Subtasks are checked side by side on every core.

            --subtasks I-J checks that share of every operator and lists its
            findings; findings about the savepoint as a whole (_metadata, key-
            group coverage) are listed by the shard holding subtask 0.

            Exit codes: 0 valid (warnings allowed), 1 error-level findings,
            2 the savepoint does not open (with --json the report says why),
            or a usage error.

            Examples:
              savepoint validate fixtures/2.3.0/basic/filesystem/savepoint
              savepoint validate SAVEPOINT --deep
              savepoint validate SAVEPOINT --deep --subtasks 0-15
              savepoint validate SAVEPOINT --json \\
                  | jq -r '.findings[] | "\\(.severity) \\(.code): \\(.message)"'
            """
    )

    @Argument(help: "A savepoint directory, its _metadata file, or a chk-N directory.",
              completion: .file())
    var path: String

    @Flag(help: "Also decode every entry and check every key's key group (reads all state).")
    var deep = false

    @Flag(help: "Print a JSON document (documented in the man page) instead of text.")
    var json = false

    @Flag(help: "Follow absolute paths in _metadata that lead outside the savepoint directory.")
    var allowExternalPaths = false

    @OptionGroup var names: UidOptions

    @OptionGroup var shard: ShardOptions

    func run() throws {
        var savepoint: Savepoint
        do {
            savepoint = try names.open(path, allowExternalPaths: allowExternalPaths)
        } catch let error as SavepointError where json {
            // A script reading --json gets a report even when nothing opens.
            try JSONOutput.write(ValidationReport.unreadable(path: path, deep: deep, error: error))
            throw CommandFailure(message: error.description, exitCode: 2)
        }
        let options = Validator.Options(deep: deep, shard: try shard.shard(of: savepoint))
        let report = ProgressLine.show("validate", &savepoint) { Validator(savepoint: $0, options: options).run() }
        if json {
            try JSONOutput.write(report)
        } else {
            print(ValidateText.render(report), terminator: "")
        }
        if !report.valid { throw ExitCode(1) }
    }
}

/// The human form of a validation report: findings grouped by operator, then a one-line verdict.
enum ValidateText {
    static func render(_ report: ValidationReport) -> String {
        var out = ""
        var groups: [(String, [Finding])] = []
        for finding in report.findings.sorted(by: { $0.severity < $1.severity }) {
            let key = finding.location.operatorUid ?? finding.location.operatorId.map { "operator \($0)" } ?? "savepoint"
            let heading = finding.location.operatorUid.map { "operator \($0)" } ?? key
            if let i = groups.firstIndex(where: { $0.0 == heading }) {
                groups[i].1.append(finding)
            } else {
                groups.append((heading, [finding]))
            }
        }
        for (heading, findings) in groups {
            out += Terminal.bold(heading) + "\n"
            for f in findings { out += "  " + line(f) + "\n" }
        }
        if !groups.isEmpty { out += "\n" }
        out += summary(report) + "\n"
        return out
    }

    static func line(_ f: Finding) -> String {
        let severity = f.severity == .error ? Terminal.red("error  ") : Terminal.yellow("warning")
        var text = "\(severity) \(f.code.rawValue): \(f.message)"
        var place: [String] = []
        if let s = f.location.subtask { place.append("subtask \(s)") }
        if let s = f.location.state { place.append("state \(s)") }
        if let k = f.location.keyGroup { place.append("key group \(k)") }
        if let file = f.location.file { place.append(f.location.offset.map { "\(file) at byte \($0)" } ?? file) }
        if !place.isEmpty { text += Terminal.dim(" [" + place.joined(separator: ", ") + "]") }
        if let more = f.similarNotListed { text += Terminal.dim(" (and \(more) more like this)") }
        return text
    }

    static func summary(_ report: ValidationReport) -> String {
        let c = report.checked
        var scope = "\(c.operators) operators, \(c.subtasks) subtasks, \(c.files) files"
        if report.deep { scope += ", \(c.keyedEntries) keyed entries, \(c.operatorStateElements) operator state elements" }
        let mode = report.deep ? "deep" : "quick"
        guard report.valid else {
            return Terminal.red("\(report.errors) errors, \(report.warnings) warnings") + " (\(mode) check of \(scope))"
        }
        let verdict = report.warnings == 0 ? "valid" : "valid, \(report.warnings) warnings"
        return Terminal.bold(verdict) + " (\(mode) check of \(scope))"
    }
}
