import Foundation
import SavepointTestSupport
import Testing

/// The binary reading and writing `s3://` savepoints on moto's S3 server on loopback: the same
/// results as on the local copies, one line and exit 2 when S3 refuses, no `_metadata` after an
/// interrupted write.
@Suite(.serialized, .enabled(if: MotoServer.isInstalled && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")))
struct S3CommandLineTests {
    static let basic = Fixture.root.appendingPathComponent("2.3.0/basic")
    /// Canonical, native, and a retained incremental checkpoint (its chk-N beside shared/).
    static let forms: [(name: String, upload: String, read: String)] = [
        ("filesystem", "filesystem/savepoint", ""),
        ("rocksdb-native", "rocksdb-native/savepoint", ""),
        ("rocksdb-incremental-checkpoint", "rocksdb-incremental-checkpoint/checkpoint", "/chk-3"),
    ]

    @Test func inspectDumpAndValidateReadS3LikeTheLocalCopy() throws {
        let server = try MotoServer()
        defer { server.stop() }
        let bucket = try S3Bucket(server: server, name: "read")
        for form in Self.forms {
            let local = Self.basic.appendingPathComponent(form.upload).path
            try bucket.upload(local, to: form.name)
            let remote = "s3://read/\(form.name)\(form.read)"
            for command in [["inspect", "--json"], ["dump"], ["validate", "--deep", "--json"]] {
                let s3 = try bucket.run([command[0], remote] + command.dropFirst())
                let here = try SavepointBinary.run([command[0], local + form.read] + command.dropFirst())
                #expect(s3.status == here.status && s3.status == 0, "\(form.name) \(command): \(s3.err)")
                #expect(!s3.out.isEmpty)
                #expect(s3.out.replacingOccurrences(of: "s3://read/\(form.name)", with: local) == here.out,
                        "\(form.name) \(command): output differs from the local copy's")
            }
        }
    }

    /// convert, rewrite, schema migrate and upgrade, each from S3 to S3.
    @Test func writingS3ToS3DumpsLikeTheLocalOutput() throws {
        let server = try MotoServer()
        defer { server.stop() }
        let bucket = try S3Bucket(server: server, name: "write")
        let local = Self.basic.appendingPathComponent("filesystem/savepoint").path
        let native = Self.basic.appendingPathComponent("rocksdb-native/savepoint").path
        try bucket.upload(local, to: "in")
        try bucket.upload(native, to: "native")
        let dir = try Scratch.directory("s3-write")
        defer { try? FileManager.default.removeItem(at: dir) }
        let legacy = Fixture.root.appendingPathComponent("1.20.5/basic/filesystem/savepoint").path
        try bucket.upload(legacy, to: "legacy")
        // schema migrate's target: the input's own schema with TTL switched on for `count`.
        let shown = try SavepointBinary.run(["schema", "show", local, "--json"])
        let target = dir.appendingPathComponent("target.json")
        try shown.out.replacingOccurrences(of: "\"type\": \"Long\"", with: "\"type\": \"TTL<Long>\"")
            .write(to: target, atomically: true, encoding: .utf8)
        #expect(shown.out.contains("\"type\": \"Long\""))
        let cases: [(args: (String, String) -> [String], input: String, s3Input: String)] = [
            ({ ["convert", $0, $1, "--to", "lsm"] }, local, "s3://write/in"),
            ({ ["convert", $0, $1, "--to", "filesystem"] }, native, "s3://write/native"),
            ({ ["rewrite", $0, $1, "--set-uid", "counter=counter-v2"] }, local, "s3://write/in"),
            ({ ["schema", "migrate", $0, $1, "--to", target.path, "--now", "1000"] }, local, "s3://write/in"),
            ({ ["upgrade", $0, $1] }, legacy, "s3://write/legacy"),
        ]
        for (index, c) in cases.enumerated() {
            let localOut = dir.appendingPathComponent("out\(index)").path
            let s3Out = "s3://write/out\(index)"
            let here = try SavepointBinary.run(c.args(c.input, localOut))
            let s3 = try bucket.run(c.args(c.s3Input, s3Out))
            #expect(here.status == 0 && s3.status == here.status, "\(c.args("IN", "OUT")): \(here.err) \(s3.err)")
            #expect(try bucket.keys(under: "out\(index)/").contains("out\(index)/_metadata"))
            let expected = try SavepointBinary.run(["dump", localOut])
            let actual = try bucket.run(["dump", s3Out])
            #expect(actual.status == 0 && !actual.out.isEmpty, "\(actual.err)")
            #expect(actual.out == expected.out, "\(c.args("IN", "OUT")): the S3 output dumps differently")
        }
    }

    @Test func aMissingObjectOrBucketEndsInOneLineNamingItAndExitsTwo() throws {
        let server = try MotoServer()
        defer { server.stop() }
        let bucket = try S3Bucket(server: server, name: "gone")
        let local = Self.basic.appendingPathComponent("filesystem/savepoint").path
        try bucket.upload(local, to: "sp")
        let state = try #require(try bucket.keys(under: "sp/").first { !$0.hasSuffix("_metadata") })
        try bucket.remove(state)
        let cases: [(args: [String], names: String, code: String)] = [
            // A state file is looked up before it is read, so it is named as a missing local one is.
            (["dump", "s3://gone/sp"], "s3://gone/\(state)", "missing file, referenced by s3://gone/sp/_metadata"),
            (["inspect", "s3://nosuchbucket/sp"], "s3://nosuchbucket/sp", "NoSuchBucket"),
            (["dump", "s3://gone/nothing-here"], "s3://gone/nothing-here", "NoSuchKey"),
        ]
        for c in cases {
            let r = try bucket.run(c.args)
            #expect(r.status == 2, "\(c.args): exit \(r.status)")
            #expect(r.err.split(separator: "\n").count == 1, "\(c.args): \(r.err)")
            #expect(r.err.contains(c.names) && r.err.contains(c.code), "\(c.args): \(r.err)")
        }
    }

    /// Object storage has no rename: `_metadata` is written last, so a conversion killed while
    /// it writes the state files leaves no savepoint (--test-pause-after-subtask holds it there).
    @Test func sigtermMidWriteLeavesNoMetadata() throws {
        let server = try MotoServer()
        defer { server.stop() }
        let bucket = try S3Bucket(server: server, name: "cut")
        try bucket.upload(Self.basic.appendingPathComponent("filesystem/savepoint").path, to: "in")
        let p = Process()
        let binary = try #require(SavepointBinary.url)
        p.executableURL = binary
        p.arguments = ["convert", "s3://cut/in", "s3://cut/out", "--to", "lsm", "--inline-threshold", "0",
                       "--test-pause-after-subtask", "3"]
        p.environment = bucket.environment
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(20)
        var started = false
        while Date() < deadline, !started {
            Thread.sleep(forTimeInterval: 0.1)
            started = !(try bucket.keys(under: "out/")).isEmpty
        }
        #expect(started, "the conversion never started writing")
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(p.terminationStatus == 128 + SIGTERM)
        let left = try bucket.keys(under: "out/")
        #expect(!left.contains("out/_metadata"))
        #expect(left.isEmpty, "what was written is removed on SIGTERM: \(left)")
        let read = try bucket.run(["inspect", "s3://cut/out"])
        #expect(read.status == 2 && read.err.split(separator: "\n").count == 1, "\(read.err)")
    }
}

/// A bucket on the moto server, filled and listed over HTTP with curl's own SigV4 signing (the AWS
/// CLI takes seconds a call here), and the environment
/// the binary finds it with.
struct S3Bucket {
    let server: MotoServer
    let name: String

    init(server: MotoServer, name: String) throws {
        self.server = server
        self.name = name
        try curl(["-X", "PUT", "\(server.endpoint)/\(name)"])
    }

    /// As the AWS tools take it; no ~/.aws of the machine's applies.
    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["AWS_ENDPOINT_URL"] = server.endpoint
        env["AWS_ACCESS_KEY_ID"] = "testing"
        env["AWS_SECRET_ACCESS_KEY"] = "testing"
        env["AWS_REGION"] = "us-east-1"
        env["AWS_CONFIG_FILE"] = "/dev/null"
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        for name in ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3"] { env.removeValue(forKey: name) }
        return env
    }

    /// The binary with this server's environment.
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        try SavepointBinary.run(args, environment: environment)
    }

    /// Every file below `directory` as an object below `prefix/`.
    func upload(_ directory: String, to prefix: String) throws {
        let root = URL(fileURLWithPath: directory)
        let files = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]))
        for case let url as URL in files where try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true {
            let relative = url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1)
            try curl(["-T", url.path, "\(server.endpoint)/\(name)/\(prefix)/\(relative)"])
        }
    }

    func remove(_ key: String) throws {
        try curl(["-X", "DELETE", "\(server.endpoint)/\(name)/\(key)"])
    }

    /// Every key below `prefix` (ListObjectsV2, one page: the tests write fewer than 1000).
    func keys(under prefix: String) throws -> [String] {
        let query = prefix.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? prefix
        let xml = try curl(["\(server.endpoint)/\(name)?list-type=2&prefix=\(query)"])
        return xml.components(separatedBy: "<Key>").dropFirst().compactMap { $0.components(separatedBy: "</Key>").first }
    }

    @discardableResult
    private func curl(_ args: [String]) throws -> String {
        // Signed like the binary's requests (moto refuses some unsigned ones, e.g. a DELETE: 403).
        let r = try SavepointBinary.runProgram(URL(fileURLWithPath: "/usr/bin/curl"),
                                               ["-sSf", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", "testing:testing"] + args)
        guard r.status == 0 else {
            throw MotoServer.MotoError(message: "curl \(args.joined(separator: " ")) exited \(r.status): \(r.err)")
        }
        return r.out
    }
}
