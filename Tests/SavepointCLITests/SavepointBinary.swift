import Foundation
import Testing

/// The `savepoint` binary as a user runs it, from the build products folder.
enum SavepointBinary {
    /// The binary sits beside the test bundle in the build products folder.
    static var url: URL? {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("savepoint")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    /// Runs the binary with `args` (stdin closed) and returns its exit status and output;
    /// `launcher` runs it through another program (e.g. `setpriv … BINARY`), `binary` a copy of it.
    static func run(_ args: [String], environment: [String: String]? = nil, binary: URL? = nil,
                    launcher: [String] = []) throws -> (status: Int32, out: String, err: String)
    {
        let binary = try binary ?? #require(url, "the savepoint binary was not built next to the tests")
        if let program = launcher.first {
            return try runProgram(URL(fileURLWithPath: program), Array(launcher.dropFirst()) + [binary.path] + args,
                                  environment: environment)
        }
        return try runProgram(binary, args, environment: environment)
    }

    /// Runs `executable` with `args` (stdin closed) and returns its exit status and output.
    static func runProgram(_ executable: URL, _ args: [String], environment: [String: String]? = nil) throws
        -> (status: Int32, out: String, err: String)
    {
        let p = Process()
        p.executableURL = executable
        p.arguments = args
        if let environment { p.environment = environment }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Read both pipes at once, so a full stderr pipe cannot block the child.
        let e = Collected()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { e.data = err.fileHandleForReading.readDataToEndOfFile() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e.data, as: UTF8.self))
    }

    /// What the reading thread collected; read only after it is done.
    final class Collected: @unchecked Sendable { var data = Data() }

    /// Runs a shell command line under `script`, so its stderr is a terminal; returns the exit
    /// status and what the terminal showed.
    static func runOnTerminal(_ commandLine: String) throws -> (status: Int32, text: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", commandLine, "/dev/null"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }
}
