import ArgumentParser
import Foundation
import S3Storage
import SavepointKit

/// `savepoint`: look inside Apache Flink savepoints and retained checkpoints, offline.
@main
struct SavepointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "savepoint",
        abstract: "Read, check, compare, convert and rewrite Apache Flink savepoints offline: no JVM, no cluster, no user jar.",
        discussion: """
            PATH is a savepoint directory, its _metadata file, a retained
            checkpoint directory (chk-N), or a file: URI of one of them, as Flink
            prints it; s3://bucket/key (s3a://, s3p://) reads and writes them on
            S3, configured as the AWS CLI is (AWS_ENDPOINT_URL, AWS_PROFILE, ...).
            A savepoint that was moved or copied still reads: files are found
            relative to _metadata. Flink 1.x savepoints store operator
            ids only: --uids (or --uids-from) names them by uid.

            Exit codes:
              0  success
              1  validate: error-level findings; convert, rewrite: verification
                 failed; dump, convert --skip-corrupt: damage was skipped;
                 schema check: Flink will refuse the restore; diff: the
                 savepoints differ
              2  unreadable input (which file, which byte, why) or usage error

            Colour only on a terminal, never with NO_COLOR set. Shell completion:
            savepoint --generate-completion-script bash (or zsh, fish).
            """,
        version: "0.1.0",
        subcommands: [Inspect.self, Dump.self, Validate.self, Convert.self, Rewrite.self, Upgrade.self, Schema.self, Diff.self, Report.self, UidHash.self]
    )

    /// Parses, runs, and maps every failure onto the documented exit codes.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        // `savepoint help nosuch` would print the top-level help and exit 0. The names are looked
        // up only here: a type's name through reflection costs a scan of every protocol
        // conformance in the binary, ~1 ms at the start of every command.
        if arguments.first == "help", arguments.count > 1 {
            let commands = configuration.subcommands.map(commandName)
            if !commands.contains(arguments[1]) {
                Terminal.error("no command '\(arguments[1])'; the commands are \(commands.joined(separator: ", "))")
                Foundation.exit(2)
            }
        }
        ObjectStores.register()
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch let error as ExitCode {
            // A command that printed its own result and chose its status (validate: 1 = findings).
            Foundation.exit(error.rawValue)
        } catch let error as CommandFailure {
            Terminal.error(error.message)
            Foundation.exit(error.exitCode)
        } catch let error as SavepointError {
            Terminal.error(error.description)
            Foundation.exit(2)
        } catch let error as S3Error {
            Terminal.error(error.description)
            Foundation.exit(2)
        } catch let error as ConvertError {
            // convert and rewrite: an output that failed verification (and was removed) is 1.
            Terminal.error(error.description)
            if case .verificationFailed = error { Foundation.exit(1) }
            Foundation.exit(2)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            // Argument-parser's own usage errors exit 64 by default; we document 2.
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}

/// Every command names itself in its configuration: without a name, ArgumentParser derives it
/// from the type's name by reflection at every start (a scan of every protocol conformance in
/// the binary, ~1 ms of each command's start-up).
func commandName(_ command: any ParsableCommand.Type) -> String {
    command.configuration.commandName ?? String(describing: command).lowercased()
}

/// A failure with the exit code it maps to.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32
}
