import Foundation

/// Terminal conventions: colour and progress only when stderr/stdout is a terminal, and never
/// with `NO_COLOR` set (https://no-color.org).
enum Terminal {
    static let stdoutIsTerminal = isatty(STDOUT_FILENO) == 1
    static let stderrIsTerminal = isatty(STDERR_FILENO) == 1
    static let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
    static var useColor: Bool { stdoutIsTerminal && !noColor }

    /// Columns of the terminal on stdout; `COLUMNS` when set; else (a pipe, a file) unlimited.
    static var width: Int {
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        var size = winsize()
        if stdoutIsTerminal, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return stdoutIsTerminal ? 80 : Int.max
    }

    static func error(_ message: String) { diagnostic("error", colour: 31, message) }
    static func warning(_ message: String) { diagnostic("warning", colour: 33, message) }

    /// `label: message` on stderr, the label coloured when stderr is a terminal.
    static func diagnostic(_ label: String, colour: Int, _ message: String) {
        let prefix = stderrIsTerminal && !noColor ? "\u{1B}[\(colour)m\(label):\u{1B}[0m " : "\(label): "
        FileHandle.standardError.write(Data((prefix + message + "\n").utf8))
    }

    static func bold(_ s: String) -> String { useColor ? "\u{1B}[1m\(s)\u{1B}[0m" : s }
    static func dim(_ s: String) -> String { useColor ? "\u{1B}[2m\(s)\u{1B}[0m" : s }
    static func red(_ s: String) -> String { useColor ? "\u{1B}[31m\(s)\u{1B}[0m" : s }
    static func yellow(_ s: String) -> String { useColor ? "\u{1B}[33m\(s)\u{1B}[0m" : s }
}
