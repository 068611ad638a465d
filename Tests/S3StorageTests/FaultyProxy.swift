import Foundation
import SavepointTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy on loopback in front of the S3 server that breaks connections on purpose: it counts
/// the connections it accepts and, per connection number, forwards transparently, cuts the answer
/// after some bytes, or answers 500 itself.
final class FaultyProxy: @unchecked Sendable {
    enum Fault {
        /// Forward as is.
        case none
        /// Close the connection after this many bytes of the server's answer.
        case cut(afterBytes: Int)
        /// Answer 500 InternalError without asking the server.
        case internalError
    }

    let port: Int
    private let listener: Int32
    private let upstreamPort: Int
    /// The fault for connection number n (1-based).
    private let faultFor: @Sendable (Int) -> Fault
    private let lock = NSLock()
    private var accepted = 0
    private var heads = 0
    private var active = 0
    private var mostActive = 0
    private var open: Set<Int32> = []
    private var stopped = false

    var connections: Int { lock.withLock { accepted } }
    /// The most client connections open at once.
    var mostAtOnce: Int { lock.withLock { mostActive } }
    /// Requests forwarded: request heads (up to a blank line) seen; exact for requests without a
    /// body (GET, HEAD).
    var requests: Int { lock.withLock { heads } }

    init(upstreamPort: Int, faultFor: @escaping @Sendable (Int) -> Fault) throws {
        self.upstreamPort = upstreamPort
        self.faultFor = faultFor
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw MotoServer.MotoError(message: "proxy: cannot listen on loopback")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    var endpoint: String { "http://127.0.0.1:\(port)" }

    func stop() {
        lock.withLock {
            stopped = true
            for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
        }
        shutdown(listener, Int32(SHUT_RDWR))
    }

    deinit {
        stop()
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            let number: Int? = lock.withLock {
                if stopped { return nil }
                accepted += 1
                active += 1
                mostActive = max(mostActive, active)
                open.insert(client)
                return accepted
            }
            guard let number else { close(client); return }
            Thread.detachNewThread { [self] in handle(client, fault: faultFor(number)) }
        }
    }

    private func handle(_ client: Int32, fault: Fault) {
        // A request is out from its connection's accept until its answer has been passed on, not
        // until the threads of both directions wind down (late under load, and not the client's doing).
        var answered = false
        func finishAnswer() {
            guard !answered else { return }
            answered = true
            lock.withLock { active -= 1 }
        }
        defer {
            finishAnswer()
            lock.withLock { _ = open.remove(client) }
            close(client)
        }
        if case .internalError = fault {
            readRequestHead(client)
            let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code><Message>injected by the test proxy</Message></Error>"
            let answer = "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            _ = Array(answer.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            return
        }
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = loopback(port: upstreamPort)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(upstream); return }
        lock.withLock { _ = open.insert(upstream) }
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread { [self] in
            var tail: [UInt8] = []
            pump(from: client, to: upstream, limit: nil) { bytes in
                // Blank lines that end a head, also when split over two reads.
                let seen = tail + bytes
                var count = 0
                for i in 0..<max(seen.count - 3, 0) where seen[i] == 13 && seen[i + 1] == 10 && seen[i + 2] == 13 && seen[i + 3] == 10 {
                    if i + 4 > tail.count { count += 1 }
                }
                tail = Array(seen.suffix(3))
                lock.withLock { heads += count }
            }
            shutdown(upstream, Int32(SHUT_WR))
            done.signal()
        }
        var limit: Int?
        if case let .cut(afterBytes) = fault { limit = afterBytes }
        pump(from: upstream, to: client, limit: limit)
        finishAnswer()
        shutdown(client, Int32(SHUT_RDWR))
        shutdown(upstream, Int32(SHUT_RDWR))
        done.wait()
        lock.withLock { _ = open.remove(upstream) }
        close(upstream)
    }

    /// Reads up to the blank line that ends a request's head (requests sent here have no body).
    private func readRequestHead(_ fd: Int32) {
        var seen: [UInt8] = []
        var byte: UInt8 = 0
        while recv(fd, &byte, 1, 0) == 1 {
            seen.append(byte)
            if seen.count >= 4, seen.suffix(4) == [13, 10, 13, 10] { return }
        }
    }
}

/// Copies bytes until end of stream, an error, or `limit` bytes.
private func pump(from source: Int32, to target: Int32, limit: Int?, seen: ([UInt8]) -> Void = { _ in }) {
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    var left = limit ?? Int.max
    while left > 0 {
        let n = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, min($0.count, left), 0) }
        if n <= 0 { return }
        seen(Array(buffer[0..<n]))
        var sent = 0
        while sent < n {
            let m = buffer.withUnsafeBytes { send(target, $0.baseAddress! + sent, n - sent, Int32(MSG_NOSIGNAL)) }
            if m <= 0 { return }
            sent += m
        }
        left -= n
    }
}
