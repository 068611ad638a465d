import Foundation
import Testing
import SavepointTestSupport

/// The committed malformed corpus (`fixtures/malformed/cases.jsonl`): every case is a real fixture
/// with bytes cut, flipped, set huge, files removed or swapped, or paths made hostile. `validate`
/// and `dump` must each end with one of the expected exit codes, within a time bound, under a
/// memory limit, and never by a signal (a crash).
@Suite struct MalformedCorpusTests {
    struct Case: Decodable, CustomStringConvertible, Sendable {
        struct Edit: Decodable, Sendable {
            var op: String
            var file: String
            var at: Int?
            var bit: Int?
            var hex: String?
            var other: String?
            var find: String?
            var with: String?
            var target: String?
        }
        struct Expect: Decodable, Sendable { var validate: [Int32]; var dump: [Int32] }
        var id: String
        var base: String
        var edits: [Edit]
        var expect: Expect
        var why: String
        var description: String { id }
    }

    static let cases: [Case] = {
        let url = Fixture.root.appendingPathComponent("malformed/cases.jsonl")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Case.self, from: Data($0.utf8)) }
    }()

    @Test func corpusIsLargeAndCoversEveryReader() {
        #expect(Self.cases.count >= 200)
        let bases = Set(Self.cases.map(\.base))
        #expect(bases.contains { $0.contains("native") } && bases.contains { $0.contains("checkpoint") })
        #expect(bases.contains { $0.contains("compressed") } && bases.contains { $0.contains("hashmap-native") })
    }

    @Test func everyCaseEndsCleanly() throws {
        let binary = try #require(SavepointBinary.url)
        var failures: [String] = []
        for c in Self.cases {
            let dir = try Self.materialize(c)
            defer { try? FileManager.default.removeItem(at: dir.root) }
            for (command, allowed) in [(["validate", "--deep"], c.expect.validate), (["dump"], c.expect.dump)] {
                let r = try Self.run(binary, command + [dir.path], seconds: 20)
                if r.timedOut || r.signaled || !allowed.contains(r.status) {
                    failures.append("\(c.id) [\(c.why)] \(command[0]): status \(r.status)"
                        + (r.signaled ? " (killed by signal)" : "") + (r.timedOut ? " (timed out)" : "")
                        + " expected \(allowed): \(r.stderr.prefix(300))")
                }
                if r.status == 2, r.stderr.isEmpty { failures.append("\(c.id) \(command[0]): exit 2 without a message") }
            }
        }
        let report = failures.prefix(15).joined(separator: "\n")
        #expect(failures.isEmpty, "\(failures.count) of \(Self.cases.count) cases:\n\(report)")
    }

    // MARK: materializing a case

    struct Materialized { var root: URL; var path: String }

    static func materialize(_ c: Case) throws -> Materialized {
        let fm = FileManager.default
        let base = Fixture.root.appendingPathComponent(c.base)
        let isCheckpoint = fm.fileExists(atPath: base.appendingPathComponent("checkpoint").path)
        let folder = isCheckpoint ? "checkpoint" : "savepoint"
        let root = fm.temporaryDirectory.appendingPathComponent("sp-malformed-\(UUID().uuidString)")
        let copy = root.appendingPathComponent(folder)
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        try fm.copyItem(at: base.appendingPathComponent(folder), to: copy)
        for e in c.edits { try apply(e, in: copy) }
        var path = copy.path
        if isCheckpoint, let chk = Fixture(directory: root).readablePath { path = chk }
        return Materialized(root: root, path: path)
    }

    static func apply(_ e: Case.Edit, in dir: URL) throws {
        let url = dir.appendingPathComponent(e.file)
        switch e.op {
        case "delete": try FileManager.default.removeItem(at: url)
        case "symlink": try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: e.target ?? "/")
        case "swap":
            let other = dir.appendingPathComponent(e.other ?? "")
            let a = try Data(contentsOf: url), b = try Data(contentsOf: other)
            try b.write(to: url)
            try a.write(to: other)
        default:
            var bytes = [UInt8](try Data(contentsOf: url))
            let at = min(e.at ?? 0, bytes.count)
            switch e.op {
            case "truncate": bytes = Array(bytes.prefix(at))
            case "flip": if at < bytes.count { bytes[at] ^= UInt8(1 << (e.bit ?? 0)) }
            case "set":
                let patch = hex(e.hex ?? "")
                if at + patch.count > bytes.count { bytes += [UInt8](repeating: 0, count: at + patch.count - bytes.count) }
                bytes.replaceSubrange(at..<(at + patch.count), with: patch)
            case "replace":
                let find = hex(e.find ?? ""), with = hex(e.with ?? "")
                if let r = firstRange(of: find, in: bytes) { bytes.replaceSubrange(r, with: with) }
            default: throw CocoaError(.featureUnsupported)
            }
            try Data(bytes).write(to: url)
        }
    }

    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while let j = s.index(i, offsetBy: 2, limitedBy: s.endIndex), i < s.endIndex {
            out.append(UInt8(s[i..<j], radix: 16) ?? 0)
            i = j
        }
        return out
    }

    static func firstRange(of needle: [UInt8], in hay: [UInt8]) -> Range<Int>? {
        guard !needle.isEmpty, needle.count <= hay.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle {
            return i..<(i + needle.count)
        }
        return nil
    }

    // MARK: running the binary under limits

    struct Result { var status: Int32; var signaled: Bool; var timedOut: Bool; var stderr: String }

    /// Runs under a 2 GiB address-space limit, output to /dev/null, killed after `seconds`.
    static func run(_ binary: URL, _ args: [String], seconds: Double) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "ulimit -v 2097152; exec \"$0\" \"$@\"", binary.path] + args
        p.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(seconds)
        var timedOut = false
        while p.isRunning {
            if Date() > deadline { p.terminate(); timedOut = true; break }
            usleep(2000)
        }
        p.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return Result(status: p.terminationStatus, signaled: p.terminationReason == .uncaughtSignal,
                      timedOut: timedOut, stderr: message)
    }
}
