import ArgumentParser
import Foundation
import SavepointKit

/// `savepoint`: look inside Apache Flink savepoints and retained checkpoints, offline.
@main
struct SavepointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "savepoint",
        abstract: "Read, check and transform Apache Flink savepoints offline: no JVM, no cluster, no user jar.",
        discussion: """
            PATH is a savepoint directory, its _metadata file, or a retained checkpoint directory (chk-N).
            A savepoint that was moved or copied still reads: files are found relative to _metadata.

            Exit codes:
              0  success
              1  error findings (validate), damage skipped (--skip-corrupt); diff reserved
              2  unreadable input, or a usage error
            """,
        version: "0.1.0",
        subcommands: [Inspect.self, Dump.self, Validate.self, Convert.self]
    )

    /// Parses, runs, and maps every failure onto the documented exit codes.
    static func main() {
        do {
            var command = try parseAsRoot()
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

/// A failure with the exit code it maps to.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32
}
