import Bytes
import Foundation
import Testing
@testable import Storage

/// The local file system behind the `Storage` protocol: what each call does to real files in a
/// scratch directory, and the one-line errors it names.
@Suite struct LocalStorageTests {
    let storage = LocalStorage()

    static func scratch(_ label: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("storage-\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func write(_ bytes: [UInt8], to path: String) throws {
        let writer = try storage.create(path)
        try writer.write(bytes)
        try writer.finish()
    }

    @Test func writtenFilesReadBackByRange() throws {
        let dir = try Self.scratch("rw")
        defer { try? storage.remove(dir) }
        let path = storage.path("a", in: dir)
        try write(Array(0..<200), to: path)
        #expect(storage.status(path) == .regularFile(size: 200))
        let whole = try storage.source(path, offset: 0, length: nil)
        #expect(whole.size == 200 && whole.name == path)
        #expect(try whole.read(10..<13) == [10, 11, 12])
        let part = try storage.source(path, offset: 100, length: 50)
        #expect(try part.size == 50 && part.read(0..<2) == [100, 101])
        #expect(throws: FormatError.self) { try storage.source(path, offset: 190, length: 20) }
    }

    @Test func createNeverOverwritesAndAbandonLeavesNothing() throws {
        let dir = try Self.scratch("create")
        defer { try? storage.remove(dir) }
        let path = storage.path("a", in: dir)
        try write([1, 2, 3], to: path)
        let error = #expect(throws: StorageError.self) { try storage.create(path) }
        #expect(error?.description == "\(path): cannot create: File exists" && error?.reason == "File exists")
        let other = storage.path("b", in: dir)
        let writer = try storage.create(other)
        try writer.write([9, 9])
        writer.abandon()
        #expect(storage.status(other).isMissing)
        #expect(try storage.source(path, offset: 0, length: nil).read(0..<3) == [1, 2, 3])
    }

    @Test func listsNamesInByteOrderWithKindAndSize() throws {
        let dir = try Self.scratch("list")
        defer { try? storage.remove(dir) }
        try write([1, 2], to: storage.path("b", in: dir))
        try write([], to: storage.path("B", in: dir))
        try storage.makeDirectory(storage.path("a/deep/er", in: dir))
        #expect(try storage.list(dir) == [
            StorageEntry(name: "B", isDirectory: false, size: 0),
            StorageEntry(name: "a", isDirectory: true, size: 0),
            StorageEntry(name: "b", isDirectory: false, size: 2),
        ])
        #expect(storage.status(storage.path("a/deep/er", in: dir)) == .directory)
        let missing = storage.path("none", in: dir)
        let error = #expect(throws: StorageError.self) { try storage.list(missing) }
        #expect(error?.isMissing == true && error?.description == "\(missing): cannot list: No such file or directory")
    }

    @Test func removeTakesADirectoryWithEverythingBelow() throws {
        let dir = try Self.scratch("remove")
        defer { try? storage.remove(dir) }
        let tree = storage.path("t", in: dir)
        try storage.makeDirectory(storage.path("x/y", in: tree))
        try write([1], to: storage.path("x/y/f", in: tree))
        try write([2], to: storage.path("g", in: tree))
        try storage.remove(tree)
        #expect(storage.status(tree).isMissing)
        try storage.remove(tree)  // nothing there: no error
        #expect(try storage.list(dir).isEmpty)
    }

    @Test func renameMovesADirectory() throws {
        let dir = try Self.scratch("rename")
        defer { try? storage.remove(dir) }
        #expect(storage.renamesDirectories)
        let from = storage.path("from", in: dir), to = storage.path("to", in: dir)
        try storage.makeDirectory(from)
        try write([7], to: storage.path("f", in: from))
        try storage.rename(from, to: to)
        #expect(storage.status(from).isMissing && storage.status(storage.path("f", in: to)) == .regularFile(size: 1))
    }

    /// The kernel copy and the copy through memory write the same bytes: prefix, then the source
    /// from the offset on, larger than one piece of the memory copy.
    @Test func copyWritesPrefixAndTheRestOfTheSource() throws {
        let dir = try Self.scratch("copy")
        defer { try? storage.remove(dir) }
        let source = storage.path("source", in: dir)
        let bytes = (0..<(5 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 12) }
        try write(bytes, to: source)
        let expected = [0xAA, 0xBB] + bytes[100...]
        for (name, copy) in [("kernel", storage.copy), ("memory", storage.copyThroughMemory)] {
            let target = storage.path(name, in: dir)
            try copy(source, 100, storage, [0xAA, 0xBB], target)
            let read = try storage.source(target, offset: 0, length: nil)
            #expect(try read.size == expected.count && read.read(0..<read.size) == Array(expected), "\(name)")
        }
        let error = #expect(throws: StorageError.self) { try storage.copy(storage.path("none", in: dir), offset: 0, in: storage, after: [], to: storage.path("x", in: dir)) }
        #expect(error?.isMissing == true)
        #expect(storage.status(storage.path("x", in: dir)).isMissing)
    }

    @Test func statusNamesTheOSReason() throws {
        #expect(storage.status("/nonexistent/x") == .missing("No such file or directory"))
        #expect(storage.status("/dev/null") == .special("a character device"))
        #expect(storage.status("/") == .directory)
    }
}
