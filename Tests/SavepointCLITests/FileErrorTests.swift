import Foundation
import SavepointTestSupport
import Testing

/// Files the OS will not read, and paths that are not what they should be: every command names
/// the path and the OS's reason in one line and exits 2 (validate: a finding, exit 1).
///
/// Permission checks need a user the permissions apply to: as root (CI) the binary runs as
/// `nobody` through `setpriv`, from a copy in a scratch directory that user can reach.
@Suite(.serialized) struct FileErrorTests {
    static let sample = Fixture.all.first { $0.form == "filesystem" && $0.directory.path.contains("/2.3.0/basic/") }
    static let native = Fixture.all.first { $0.form == "rocksdb-native" && $0.directory.path.contains("/2.3.0/basic/") }
    static let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs the binary as an unprivileged user (itself when not root), from `dir`.
    static func runUnprivileged(_ args: [String], in dir: URL) throws -> (status: Int32, out: String, err: String) {
        let original = try #require(SavepointBinary.url)
        let copy = dir.appendingPathComponent("savepoint")
        if !FileManager.default.fileExists(atPath: copy.path) {
            try FileManager.default.copyItem(at: original, to: copy)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy.path)
        }
        let launcher = getuid() == 0
            ? [try #require(Self.setpriv, "setpriv is needed to drop root"), "--reuid=65534", "--regid=65534", "--clear-groups"]
            : []
        return try SavepointBinary.run(args, binary: copy, launcher: launcher)
    }

    static func copy(_ fixture: Fixture?, into dir: URL, as name: String) throws -> URL {
        let target = dir.appendingPathComponent(name)
        try FileManager.default.copyItem(atPath: try #require(fixture).savepointPath, toPath: target.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
        for case let file as String in FileManager.default.enumerator(atPath: target.path) ?? FileManager.DirectoryEnumerator() {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: target.appendingPathComponent(file).path)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target.path)
        return target
    }

    static func largestStateFile(in savepoint: URL) throws -> URL {
        let names = try FileManager.default.contentsOfDirectory(atPath: savepoint.path).filter { $0 != "_metadata" }
        let sized = try names.map { ($0, try FileManager.default.attributesOfItem(atPath: savepoint.appendingPathComponent($0).path)[.size] as? Int ?? 0) }
        return savepoint.appendingPathComponent(try #require(sized.max { $0.1 < $1.1 }).0)
    }

    @Test(.enabled(if: getuid() != 0 || setpriv != nil))
    func anUnreadableStateFileIsNamedWithTheOSReason() throws {
        let dir = try Scratch.directory("unreadable")
        defer { try? FileManager.default.removeItem(at: dir) }
        let savepoint = try Self.copy(Self.sample, into: dir, as: "sp")
        let file = try Self.largestStateFile(in: savepoint)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: file.path)

        let inspect = try Self.runUnprivileged(["inspect", savepoint.path], in: dir)
        #expect(inspect.status == 0 && inspect.out.contains("unreadable \(file.path): Permission denied"), "\(inspect)")
        #expect(!inspect.out.contains("all present"))
        let validate = try Self.runUnprivileged(["validate", savepoint.path], in: dir)
        #expect(validate.status == 1 && validate.out.contains("unreadable-file") && validate.out.contains("Permission denied"), "\(validate)")
        let dump = try Self.runUnprivileged(["dump", savepoint.path], in: dir)
        #expect(dump.status == 2 && dump.err == "error: \(file.path): cannot read: Permission denied\n", "\(dump.err)")
    }

    @Test(.enabled(if: getuid() != 0 || setpriv != nil))
    func aDirectoryWithoutPermissionIsNotCalledNotASavepoint() throws {
        let dir = try Scratch.directory("locked")
        defer { try? FileManager.default.removeItem(at: dir) }
        let savepoint = try Self.copy(Self.native, into: dir, as: "sp")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: savepoint.path)
        for command in ["inspect", "validate", "dump"] {
            let r = try Self.runUnprivileged([command, savepoint.path], in: dir)
            #expect(r.status == 2 && r.err.contains(savepoint.path) && r.err.contains("Permission denied"), "\(command): \(r.err)")
            #expect(!r.err.contains("not a savepoint"))
        }
    }

    @Test(.enabled(if: getuid() != 0 || setpriv != nil))
    func convertIntoAReadOnlyParentNamesTheOutput() throws {
        let dir = try Scratch.directory("readonly")
        defer { try? FileManager.default.removeItem(at: dir) }
        let savepoint = try Self.copy(Self.sample, into: dir, as: "sp")
        let parent = dir.appendingPathComponent("parent")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: parent.path)
        let out = parent.appendingPathComponent("out").path
        let r = try Self.runUnprivileged(["convert", savepoint.path, out, "--to", "memory"], in: dir)
        #expect(r.status == 2 && r.err.contains("\(out): cannot create the output: Permission denied"), "\(r.err)")
        #expect(!r.err.contains(".converting-"))
    }

    @Test func pathsThatAreNotWhatTheyShouldBe() throws {
        let dir = try Scratch.directory("odd")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sp/_metadata"), withIntermediateDirectories: true)
        let cases: [([String], String)] = [
            (["inspect", dir.appendingPathComponent("sp").path], "\(dir.path)/sp/_metadata: not a savepoint: is a directory"),
            (["dump", "/dev/null"], "/dev/null: not a savepoint: is a character device"),
            (["validate", "/nonexistent/sp"], "/nonexistent/sp: cannot read: No such file or directory"),
        ]
        for (args, message) in cases {
            let r = try SavepointBinary.run(args)
            #expect(r.status == 2 && r.err.hasPrefix("error: \(message)"), "\(args): \(r.err)")
            #expect(r.err.split(separator: "\n").count == 1, "one line: \(r.err)")
        }
        // validate --json reports it as a finding on stdout.
        let json = try SavepointBinary.run(["validate", "/dev/null", "--json"])
        #expect(json.status == 2)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect(doc["valid"] as? Bool == false)
        let finding = try #require((doc["findings"] as? [[String: Any]])?.first)
        #expect(finding["code"] as? String == "unreadable-savepoint" && (finding["message"] as? String)?.contains("character device") == true)
    }
}
