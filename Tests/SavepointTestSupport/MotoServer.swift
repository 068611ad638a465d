import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// moto's S3-compatible server (`pip install 'moto[server]'`, done by scripts/bootstrap) on a free
/// loopback port, started for the tests and killed after them. Throws `MotoServer.notInstalled`
/// when moto is not installed (the tests skip then: `MotoServer.isInstalled`).
public final class MotoServer {
    public let port: Int
    public let process: Process
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Whether moto can be started here.
    public static var isInstalled: Bool { command() != nil }

    public static let notInstalled = MotoError(
        message: "moto is not installed (pip install 'moto[server]', as scripts/bootstrap does): S3 tests skipped")

    /// `environment` is added to moto's (e.g. INITIAL_NO_AUTH_ACTION_COUNT, which turns on its
    /// checks of access keys and signatures after that many requests).
    public init(environment: [String: String] = [:]) throws {
        guard let command = Self.command() else { throw Self.notInstalled }
        port = try freeLoopbackPort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst()) + ["-H", "127.0.0.1", "-p", String(port)]
        var env = ProcessInfo.processInfo.environment
        for (name, value) in environment { env[name] = value }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while !answers() {
            guard process.isRunning, Date() < deadline else {
                stop()
                throw MotoError(message: "moto_server did not answer on port \(port) within 30 s")
            }
            usleep(100_000)
        }
    }

    public struct MotoError: Error, CustomStringConvertible, Equatable, Sendable {
        public var message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }

    /// SIGTERM, then SIGKILL after 3 s: moto's server does not always end on SIGTERM, and a
    /// `waitUntilExit` on it then never returns.
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }

    /// `moto_server` from the PATH, or `python3 -m moto.server` where only the module is there.
    public static func command() -> [String]? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/moto_server"
            if FileManager.default.isExecutableFile(atPath: candidate) { return [candidate] }
        }
        for dir in path.split(separator: ":") {
            let python = "\(dir)/python3"
            guard FileManager.default.isExecutableFile(atPath: python) else { continue }
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: python)
            probe.arguments = ["-c", "import moto.server"]
            probe.standardOutput = FileHandle.nullDevice
            probe.standardError = FileHandle.nullDevice
            guard (try? probe.run()) != nil else { continue }
            probe.waitUntilExit()
            if probe.terminationStatus == 0 { return [python, "-m", "moto.server"] }
        }
        return nil
    }

    /// Whether something accepts connections on the port and answers an HTTP request.
    private func answers() -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        let request = Array("GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard send(fd, request, request.count, 0) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 16)
        return recv(fd, &buffer, buffer.count, 0) > 0
    }
}

public func loopback(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
}

/// A port nothing listens on now (bound and released).
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = loopback(port: 0)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw MotoServer.MotoError(message: "cannot bind a loopback port") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
