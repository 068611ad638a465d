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

    /// Bytes that differ at every offset (a pattern no shorter than the writer's chunks).
    static func pattern(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
        var x = seed
        return (0..<count).map { _ in
            x = x &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: x >> 56)
        }
    }

    /// A file past the writer's first chunk goes out with direct I/O in aligned chunks and its
    /// tail buffered; pieces of any size, across chunk boundaries, give the same bytes, and so does
    /// a file that ends exactly on a chunk or within the first one.
    @Test func largeFilesWrittenInPiecesReadBackExactly() throws {
        let dir = try Self.scratch("large")
        defer { try? storage.remove(dir) }
        let after = LocalFileWriter.directAfter, chunk = LocalFileWriter.directChunk
        for (n, size) in [after - 1, after, after + 1, after + chunk, after + 3 * chunk + 4097].enumerated() {
            let bytes = Self.pattern(size, seed: UInt64(n + 1))
            let path = storage.path("f\(n)", in: dir)
            let writer = try storage.create(path)
            var at = 0, piece = 1
            while at < size {
                let end = min(size, at + piece)
                try bytes[at..<end].withUnsafeBytes { try writer.write($0) }
                at = end
                piece = piece * 7 % (chunk + 3) + 1
            }
            if size > after {
                // Direct I/O wherever the file system takes it (this one: as a probe says).
                #expect((writer as! LocalFileWriter).mode == (Self.takesDirectIO(dir) ? .direct : .final))
            }
            try writer.finish()
            #expect(storage.status(path) == .regularFile(size: Int64(size)))
            #expect(try storage.source(path, offset: 0, length: nil).read(0..<size) == bytes, "size \(size)")
        }
    }

    /// Whether files in `dir` open for direct I/O.
    static func takesDirectIO(_ dir: String) -> Bool {
        #if os(Linux)
        let fd = open(dir + "/probe", O_RDWR | O_CREAT | directIOFlag, 0o644)
        defer { if fd >= 0 { close(fd); unlink(dir + "/probe") } }
        return fd >= 0
        #else
        return false
        #endif
    }

    /// Reading back (what verification does) takes large ranges past the page cache: at any
    /// offset, to the end of the file, in a segment of the file; the reader's offsets (for
    /// errors) are the stream's, as a buffered read gives them.
    @Test func readingBackLargeRangesGivesTheBytesAndOffsets() throws {
        let dir = try Self.scratch("readback")
        defer { try? storage.remove(dir) }
        let size = 5 << 20 + 123
        let bytes = Self.pattern(size)
        let path = storage.path("f", in: dir)
        try write(bytes, to: path)
        let back = storage.readingBack
        #expect(try (back.source(path, offset: 0, length: nil) as! FileByteSource).readsDirectly == Self.takesDirectIO(dir))
        // A file (or segment) too small for a large range keeps one descriptor.
        #expect(try !(back.source(path, offset: 0, length: FileByteSource.directReadMinimum - 1) as! FileByteSource).readsDirectly)
        for (offset, range) in [(0, 0..<size), (0, 1..<(2 << 20) + 7), (4099, 4093..<(3 << 20)), (1000, (size - 1000 - (1 << 20))..<(size - 1000))] {
            let source = try back.source(path, offset: offset, length: nil)
            let direct = try source.reader(range)
            let buffered = try storage.source(path, offset: offset, length: nil).reader(range)
            #expect(direct.remaining == range.count && direct.fileOffset == buffered.fileOffset)
            #expect(Array(direct.storage[direct.start..<direct.end]) == Array(bytes[(offset + range.lowerBound)..<(offset + range.upperBound)]))
            #expect(try source.read(range) == Array(bytes[(offset + range.lowerBound)..<(offset + range.upperBound)]))
        }
        let source = try back.source(path, offset: 0, length: nil)
        #expect(throws: FormatError.self) { try source.reader(size - (1 << 20)..<(size + 1)) }
    }

    /// A byte-for-byte copy appended after written bytes keeps both, in order.
    @Test func copyAfterWrittenBytesKeepsBoth() throws {
        let dir = try Self.scratch("copyafter")
        defer { try? storage.remove(dir) }
        let source = storage.path("src", in: dir)
        let tail = Self.pattern(3 << 20, seed: 9)
        try write(tail, to: source)
        let head = Self.pattern(LocalFileWriter.directAfter + LocalFileWriter.directChunk + 5, seed: 3)
        let path = storage.path("out", in: dir)
        let writer = try storage.create(path) as! LocalFileWriter
        try writer.write(head)
        let fd = open(source, O_RDONLY)
        defer { close(fd) }
        try writer.copyRange(from: fd, at: 10, source: source)
        try writer.finish()
        #expect(try storage.source(path, offset: 0, length: nil).read(0..<(head.count + tail.count - 10)) == head + tail[10...])
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
