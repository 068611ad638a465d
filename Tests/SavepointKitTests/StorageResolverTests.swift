import Bytes
import Foundation
import SavepointKit
import SavepointTestSupport
import Storage
import Testing

/// A path becomes a storage and a path in it in one place: local paths and `file:` URIs are local,
/// other schemes go to the storage registered for them, and an unregistered scheme is refused.
@Suite(.serialized) struct StorageResolverTests {
    /// A storage of another scheme over local files, without rename (as an object store):
    /// `mapped:///a/b` is `/a/b`. Every call goes through the URI; files created are logged.
    struct MappedStorage: Storage {
        static let prefix = "mapped://"
        final class Log: @unchecked Sendable {
            let lock = NSLock()
            var created: [String] = []
            func add(_ path: String) { lock.lock(); created.append(path); lock.unlock() }
        }
        let log = Log()
        let local = LocalStorage()
        var scheme: String { "mapped" }

        func localPath(_ path: String) -> String {
            precondition(path.hasPrefix(Self.prefix), "not a mapped path: \(path)")
            return String(path.dropFirst(Self.prefix.count))
        }
        func status(_ path: String) -> FileStatus { local.status(localPath(path)) }
        func source(_ path: String, offset: Int, length: Int?) throws -> any ByteSource {
            try local.source(localPath(path), offset: offset, length: length)
        }
        func list(_ directory: String) throws -> [StorageEntry] { try local.list(localPath(directory)) }
        func create(_ path: String) throws -> any StorageWriter {
            log.add(path)
            return try local.create(localPath(path))
        }
        func makeDirectory(_ path: String) throws { try local.makeDirectory(localPath(path)) }
        func remove(_ path: String) throws { try local.remove(localPath(path)) }
    }

    static let mapped = MappedStorage()
    static func register() { StorageResolver.shared.register(schemes: ["mapped"]) { _ in mapped } }

    @Test func localPathsAndFileURIsAreLocal() throws {
        let resolver = StorageResolver()
        let plain = try resolver.resolve("/tmp/sp")
        #expect(plain.storage is LocalStorage && plain.path == "/tmp/sp")
        let uri = try resolver.resolve("file:///tmp/sp%20a")
        #expect(uri.storage is LocalStorage && uri.path == "/tmp/sp a")
    }

    @Test func anUnregisteredSchemeIsOneClearError() throws {
        let resolver = StorageResolver()
        for given in ["s3://bucket/sp", "s3a://bucket/sp", "S3P://bucket/sp"] {
            let error = #expect(throws: SavepointError.self) { try resolver.resolve(given) }
            let scheme = given.prefix { $0 != ":" }.lowercased()
            #expect(error?.description == "not supported: \(given): \(scheme):// is not supported in this build (only local paths and file: URIs)")
        }
    }

    static let fixtures = Fixture.all.filter {
        $0.directory.path.contains("/2.3.0/basic/")
            && ["filesystem", "rocksdb-native", "rocksdb-incremental-checkpoint"].contains($0.form)
    }

    /// Savepoints and a retained checkpoint read through a registered scheme dump exactly as the
    /// same files read as local paths: no reader knows which storage it reads.
    @Test func aRegisteredSchemeReadsSavepointsAsLocalFilesDo() throws {
        Self.register()
        #expect(Self.fixtures.count == 3)
        for fixture in Self.fixtures {
            let local = try #require(fixture.readablePath)
            let savepoint = try Savepoint.open(MappedStorage.prefix + local)
            #expect(savepoint.storage is MappedStorage && savepoint.metadataPath == MappedStorage.prefix + local + "/_metadata")
            let viaURI = try SalvageDamage.dump(MappedStorage.prefix + local, skipCorrupt: false).lines
            let viaPath = try SalvageDamage.dump(local, skipCorrupt: false).lines
            #expect(!viaPath.isEmpty && viaURI == viaPath, "\(fixture)")
        }
    }

    /// report's orphan files are found by listing through the storage: a stray file beside
    /// `_metadata` is named by its URI, as by its path when read locally.
    @Test func reportFindsOrphanFilesThroughTheStorage() throws {
        Self.register()
        let dir = try Scratch.directory("mapped-orphans")
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("sp")
        try FileManager.default.copyItem(atPath: try #require(Self.fixtures.first { $0.form == "rocksdb-native" }).savepointPath,
                                         toPath: copy.path)
        try FileManager.default.createDirectory(at: copy.appendingPathComponent("leftovers"), withIntermediateDirectories: true)
        try Data([1, 2, 3]).write(to: copy.appendingPathComponent("leftovers/stray"))
        let local = try SizeReport(try Savepoint.open(copy.path)).orphans.filter { $0.kind == "file" }
        let mapped = try SizeReport(try Savepoint.open(MappedStorage.prefix + copy.path)).orphans.filter { $0.kind == "file" }
        #expect(local.map(\.bytes) == [3] && local.map(\.name) == [copy.path + "/leftovers/stray"])
        #expect(mapped.map(\.name) == local.map { MappedStorage.prefix + $0.name } && mapped.map(\.bytes) == [3])
    }

    /// Into a storage without rename, convert writes the state files in place and `_metadata` last,
    /// after verification; the result dumps as the input. A failed verification leaves nothing.
    @Test func convertIntoAStorageWithoutRenameWritesMetadataLast() throws {
        Self.register()
        let dir = try Scratch.directory("mapped-out")
        defer { try? FileManager.default.removeItem(at: dir) }
        for fixture in Self.fixtures where fixture.form != "rocksdb-incremental-checkpoint" {
            for target in [ConvertOptions.Target.filesystem, .lsm] {
                let out = dir.appendingPathComponent("\(fixture.form)-\(target)").path
                let before = Self.mapped.log.created.count
                let report = try Converter.run(input: fixture.savepointPath, output: MappedStorage.prefix + out,
                                               options: ConvertOptions(target: target, inlineThreshold: 1))
                #expect(report.verified && report.output == MappedStorage.prefix + out)
                let created = Self.mapped.log.created[before...]
                #expect(created.count > 2 && created.last == MappedStorage.prefix + out + "/_metadata")
                #expect(created.allSatisfy { $0.hasPrefix(MappedStorage.prefix + out + "/") }, "written in place")
                // The same entries (the order of a dump follows the form's key order).
                let expected = try SalvageDamage.dump(fixture.savepointPath, skipCorrupt: false).lines
                let written = try SalvageDamage.dump(out, skipCorrupt: false).lines
                #expect(DumpComparison.difference(actual: written, expected: expected) == nil, "\(fixture) \(target)")
            }
        }
        // rewrite copies state files through the storages (read and write, no kernel copy) and
        // verifies every copy by its fingerprint before `_metadata` is written.
        let native = try #require(Self.fixtures.first { $0.form == "rocksdb-native" })
        let input = try Savepoint.open(native.savepointPath)
        let op = try #require(input.metadata.operatorStates.first { !$0.subtaskStates.isEmpty })
        let rewritten = dir.appendingPathComponent("rewritten").path
        let before = Self.mapped.log.created.count
        let report = try Rewriter(input: input, plan: RewritePlan(operations: [.setUid(operator: op.displayName, uid: "renamed")]))
            .write(to: MappedStorage.prefix + rewritten)
        let created = Self.mapped.log.created[before...]
        #expect(report.verified && report.filesCopied > 0 && created.count == report.filesCopied + 1)
        #expect(created.last == MappedStorage.prefix + rewritten + "/_metadata")
        #expect(try Savepoint.open(rewritten).metadata.operatorStates.contains { $0.uid == "renamed" })

        let failed = dir.appendingPathComponent("failed").path
        var options = ConvertOptions(target: .filesystem, inlineThreshold: 1)
        options.beforeVerification = { _ in throw SavepointError.io("interrupted") }
        #expect(throws: SavepointError.self) {
            try Converter.run(input: Self.fixtures[0].savepointPath, output: MappedStorage.prefix + failed, options: options)
        }
        #expect(!FileManager.default.fileExists(atPath: failed), "nothing left behind")
    }
}
