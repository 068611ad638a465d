import Bytes
import Foundation
import SavepointKit
import SavepointTestSupport
import Storage
import Testing

/// A path becomes a storage and a path in it in one place: local paths and `file:` URIs are local,
/// other schemes go to the storage registered for them, and an unregistered scheme is refused.
@Suite struct StorageResolverTests {
    /// A storage of another scheme, over local files: `mapped://fixtures/<relative>` is
    /// `fixtures/<relative>` of the repository. Every call goes through the URI, as with S3.
    struct MappedStorage: Storage {
        static let prefix = "mapped://fixtures"
        var scheme: String { "mapped" }
        let local = LocalStorage()

        func localPath(_ path: String) -> String {
            precondition(path.hasPrefix(Self.prefix), "not a mapped path: \(path)")
            return Fixture.root.path + "/" + path.dropFirst(Self.prefix.count + 1)
        }
        func status(_ path: String) -> FileStatus { local.status(localPath(path)) }
        func source(_ path: String, offset: Int, length: Int?) throws -> any ByteSource {
            try local.source(localPath(path), offset: offset, length: length)
        }
        func list(_ directory: String) throws -> [StorageEntry] { try local.list(localPath(directory)) }
        func create(_ path: String) throws -> any StorageWriter { try local.create(localPath(path)) }
        func makeDirectory(_ path: String) throws { try local.makeDirectory(localPath(path)) }
        func remove(_ path: String) throws { try local.remove(localPath(path)) }
    }

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

    /// Savepoints and a retained checkpoint read through a registered scheme dump exactly as the
    /// same files read as local paths: no reader knows which storage it reads.
    @Test func aRegisteredSchemeReadsSavepointsAsLocalFilesDo() throws {
        StorageResolver.shared.register(schemes: ["mapped"]) { _ in MappedStorage() }
        let fixtures = Fixture.all.filter {
            $0.directory.path.contains("/2.3.0/basic/")
                && ["filesystem", "rocksdb-native", "rocksdb-incremental-checkpoint"].contains($0.form)
        }
        #expect(fixtures.count >= 2)
        for fixture in fixtures {
            let local = try #require(fixture.readablePath)
            let relative = String(local[try #require(local.range(of: "/fixtures/")).upperBound...])
            let mapped = MappedStorage.prefix + "/" + relative
            let savepoint = try Savepoint.open(mapped)
            #expect(savepoint.storage is MappedStorage && savepoint.metadataPath == mapped + "/_metadata")
            let viaURI = try SalvageDamage.dump(mapped, skipCorrupt: false).lines
            let viaPath = try SalvageDamage.dump(local, skipCorrupt: false).lines
            #expect(!viaPath.isEmpty && viaURI == viaPath, "\(fixture)")
        }
    }
}
