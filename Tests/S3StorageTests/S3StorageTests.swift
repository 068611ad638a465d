import Bytes
import Foundation
import SavepointTestSupport
import Storage
import XCTest
@testable import S3Storage

/// S3Storage against moto's S3 server on loopback (one server for the class, a bucket per test).
final class S3StorageTests: XCTestCase {
    nonisolated(unsafe) static var server: MotoServer?

    override class func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    var bucket = ""

    override func setUpWithError() throws {
        if Self.server == nil { Self.server = try MotoServer.startedOrSkipped() }
        bucket = "test-\(UUID().uuidString.prefix(8).lowercased())"
        let storage = makeStorage()
        try storage.client.wait(storage.client.createBucket(bucket))
    }

    var endpoint: String { Self.server!.endpoint }

    func makeStorage(endpoint: String? = nil, _ adjust: (inout S3Storage.Tuning) -> Void = { _ in }) -> S3Storage {
        var tuning = S3Storage.Tuning()
        tuning.retryDelay = .milliseconds(10)
        adjust(&tuning)
        let credentials = S3Credentials(accessKeyId: "testing", secretAccessKey: "testing")
        return S3Storage(configuration: S3Configuration(endpoint: endpoint ?? self.endpoint, region: "us-east-1",
                                                        credentials: credentials), tuning: tuning)
    }

    func url(_ key: String) -> String { "s3://\(bucket)/\(key)" }

    func write(_ storage: S3Storage, _ key: String, _ bytes: [UInt8], pieces: Int = 1 << 20) throws {
        let writer = try storage.create(url(key))
        var start = 0
        repeat {
            let end = min(start + pieces, bytes.count)
            try writer.write(Array(bytes[start..<end]))
            start = end
        } while start < bytes.count
        try writer.finish()
    }

    func testSmallAndMultipartObjectsRoundTrip() throws {
        let storage = makeStorage { $0.partSize = 5 << 20; $0.chunkSize = 1 << 20; $0.readAhead = 3 }
        let small = pattern(1000, seed: 1)
        try write(storage, "sp/small", small)
        let large = pattern((11 << 20) + 123, seed: 2)
        try write(storage, "sp/large", large, pieces: 700_001)
        XCTAssertEqual(storage.status(url("sp/small")), .regularFile(size: 1000))
        XCTAssertEqual(storage.status(url("sp/large")), .regularFile(size: Int64(large.count)))

        let whole = try storage.source(url("sp/small"), offset: 0, length: nil)
        XCTAssertEqual(whole.size, 1000)
        XCTAssertEqual(try whole.read(0..<1000), small)
        XCTAssertEqual(whole.name, url("sp/small"))

        // A sequential reader in pieces that straddle chunk boundaries, as the decoders read.
        let source = try storage.source(url("sp/large"), offset: 0, length: nil)
        var back: [UInt8] = []
        var at = 0
        while at < source.size {
            let end = min(at + 300_007, source.size)
            back += try source.read(at..<end)
            at = end
        }
        XCTAssertTrue(back == large, "multipart object read back differs")
        // Three parts were stored: S3's ETag of a multipart object ends in "-3".
        let head = try storage.client.wait(storage.client.head(S3Path(bucket: bucket, key: "sp/large")))
        XCTAssertTrue(head.headers.first(name: "etag")?.hasSuffix("-3\"") == true, "\(head.headers)")
    }

    func testRangedReads() throws {
        let storage = makeStorage { $0.chunkSize = 64 << 10; $0.readAhead = 2 }
        let bytes = pattern(300_000, seed: 3)
        try write(storage, "obj", bytes)
        // A segment of the object, as a segment handle names it.
        let segment = try storage.source(url("obj"), offset: 1000, length: 200_000)
        XCTAssertEqual(segment.size, 200_000)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<40 {
            let a = Int.random(in: 0..<200_000, using: &generator)
            let b = Int.random(in: a...min(a + 150_000, 200_000), using: &generator)
            XCTAssertEqual(try segment.read(a..<b), Array(bytes[(1000 + a)..<(1000 + b)]), "\(a)..<\(b)")
        }
        XCTAssertEqual(try segment.read(199_990..<200_000), Array(bytes[200_990..<201_000]))
        XCTAssertThrowsError(try segment.read(199_990..<200_001)) { error in
            XCTAssertTrue(error is FormatError, "\(error)")
        }
        // Readers on several threads at once share the source (as pread does for local files).
        let wrong = Findings()
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for i in 0..<10 {
                let a = (thread * 47_000 + i * 9_000) % 190_000
                do {
                    if try segment.read(a..<(a + 10_000)) != Array(bytes[(1000 + a)..<(11_000 + a)]) {
                        wrong.add("\(a)")
                    }
                } catch {
                    wrong.add("\(a): \(error)")
                }
            }
        }
        XCTAssertEqual(wrong.all, [])
        // From an offset to the end.
        let tail = try storage.source(url("obj"), offset: 299_000, length: nil)
        XCTAssertEqual(try tail.read(0..<1000), Array(bytes[299_000...]))
        XCTAssertThrowsError(try storage.source(url("obj"), offset: 300_001, length: nil))
    }

    func testAdjacentReadsShareOneGETAndReadAheadIsBounded() throws {
        let bytes = pattern(300_000, seed: 8)
        try write(makeStorage(), "seq", bytes)
        let counting = try FaultyProxy(upstreamPort: Self.server!.port) { _ in .none }
        defer { counting.stop() }
        // 300 reads of 1000 bytes from 64 KiB chunks: one GET per chunk.
        let storage = makeStorage(endpoint: counting.endpoint) { $0.chunkSize = 64 << 10; $0.readAhead = 0 }
        let source = try storage.source(url("seq"), offset: 0, length: bytes.count)
        var back: [UInt8] = []
        for start in stride(from: 0, to: bytes.count, by: 1000) { back += try source.read(start..<(start + 1000)) }
        XCTAssertTrue(back == bytes)
        XCTAssertEqual(counting.requests, 5)

        // With read-ahead 2 at most three GETs are out at once (moto closes each connection after its
        // answer, so a connection is a request). The proxy counts a request out until it has passed the
        // answer on, so a client that already read two answers may have opened their successors first:
        // two of slack. Unbounded read-ahead would have all 19 out.
        let ahead = try FaultyProxy(upstreamPort: Self.server!.port) { _ in .none }
        defer { ahead.stop() }
        let prefetching = makeStorage(endpoint: ahead.endpoint) { $0.chunkSize = 16 << 10; $0.readAhead = 2 }
        let again = try prefetching.source(url("seq"), offset: 0, length: bytes.count)
        back = []
        for start in stride(from: 0, to: bytes.count, by: 10_000) { back += try again.read(start..<(start + 10_000)) }
        XCTAssertTrue(back == bytes)
        XCTAssertEqual(ahead.requests, 19)
        XCTAssertLessThanOrEqual(ahead.mostAtOnce, 5)
    }

    func testListWithPrefixesAndPages() throws {
        let storage = makeStorage { $0.listPageSize = 2 }
        for key in ["sp/_metadata", "sp/chk/b", "sp/chk/a", "sp/op-1/x", "sp/zz", "sp-other/y", "sp/op-1/deep/z"] {
            try write(storage, key, pattern(key.count, seed: 4))
        }
        let expected = [
            StorageEntry(name: "_metadata", isDirectory: false, size: 12),
            StorageEntry(name: "chk", isDirectory: true, size: 0),
            StorageEntry(name: "op-1", isDirectory: true, size: 0),
            StorageEntry(name: "zz", isDirectory: false, size: 5),
        ]
        XCTAssertEqual(try storage.list(url("sp")), expected)
        XCTAssertEqual(try storage.list(url("sp/")), expected)
        XCTAssertEqual(try storage.list(url("sp/op-1")).map(\.name), ["deep", "x"])
        XCTAssertEqual(try storage.list("s3://\(bucket)").map(\.name), ["sp", "sp-other"])
        XCTAssertEqual(storage.status(url("sp")), .directory)
        XCTAssertEqual(storage.status(url("sp/op-1/deep")), .directory)
        XCTAssertEqual(storage.status("s3a://\(bucket)"), .directory)
        XCTAssertTrue(storage.status(url("sp/op")).isMissing)
        XCTAssertThrowsError(try storage.list(url("nothing"))) { error in
            XCTAssertEqual((error as? S3Error)?.code, "NoSuchKey")
        }
        try storage.makeDirectory(url("new/dir"))
    }

    func testRemoveObjectAndPrefix() throws {
        let storage = makeStorage { $0.listPageSize = 2 }
        for key in ["out/_metadata", "out/a", "out/sub/b", "out/sub/c", "out/sub/d", "outside", "out2/e"] {
            try write(storage, key, [1, 2, 3])
        }
        try storage.remove(url("out/_metadata"))
        XCTAssertTrue(storage.status(url("out/_metadata")).isMissing)
        XCTAssertEqual(storage.status(url("out/a")), .regularFile(size: 3))
        try storage.remove(url("out"))
        XCTAssertTrue(storage.status(url("out")).isMissing)
        XCTAssertTrue(storage.status(url("out/sub/c")).isMissing)
        // Keys that only start like the prefix stay.
        XCTAssertEqual(try storage.list("s3://\(bucket)").map(\.name), ["out2", "outside"])
        try storage.remove(url("out"))
    }

    func testAbandonedWriteLeavesNothing() throws {
        let storage = makeStorage { $0.partSize = 5 << 20 }
        let writer = try storage.create(url("part/file"))
        try writer.write(pattern((6 << 20), seed: 5))
        XCTAssertEqual(try uploads(storage), 1, "a multipart upload is under way")
        writer.abandon()
        XCTAssertTrue(storage.status(url("part/file")).isMissing)
        XCTAssertEqual(try uploads(storage), 0, "abandon() aborts the upload")
        XCTAssertThrowsError(try writer.finish())
        let small = try storage.create(url("part/small"))
        try small.write([1, 2, 3])
        small.abandon()
        XCTAssertTrue(storage.status(url("part/small")).isMissing)
    }

    /// ListMultipartUploads: uploads started and neither completed nor aborted.
    func uploads(_ storage: S3Storage) throws -> Int {
        let response = try storage.client.wait(storage.client.send(
            S3Request(method: .GET, path: S3Path(bucket: bucket, key: ""), query: [("uploads", "")])))
        return S3XML.elements("Upload", in: response.bodyText[...]).count
    }

    func testMissingObjectAndBucketNameTheObjectAndCode() throws {
        let storage = makeStorage()
        XCTAssertThrowsError(try storage.source(url("no/such/key"), offset: 0, length: nil)) { error in
            assertOneLine(error, contains: ["s3://\(bucket)/no/such/key", "NoSuchKey"])
        }
        // With the length known no HEAD is made: the first read names the object.
        let source = try storage.source(url("no/such/key"), offset: 0, length: 10)
        XCTAssertThrowsError(try source.read(0..<10)) { error in
            assertOneLine(error, contains: ["s3://\(bucket)/no/such/key", "NoSuchKey", "HTTP 404"])
        }
        XCTAssertThrowsError(try storage.source("s3://no-such-bucket-\(bucket)/k", offset: 0, length: nil)) { error in
            assertOneLine(error, contains: ["s3://no-such-bucket-\(bucket)/k", "NoSuchBucket"])
        }
        guard case let .missing(reason) = storage.status("s3://no-such-bucket-\(bucket)/k") else {
            return XCTFail("a key in a missing bucket is missing")
        }
        XCTAssertTrue(reason.hasPrefix("NoSuchBucket"), reason)
        XCTAssertThrowsError(try storage.list("s3://no-such-bucket-\(bucket)/sp")) { error in
            assertOneLine(error, contains: ["s3://no-such-bucket-\(bucket)/sp:", "NoSuchBucket"])
        }
        let orphan = try storage.create("s3://no-such-bucket-\(bucket)/k")
        try orphan.write([1])
        XCTAssertThrowsError(try orphan.finish()) { error in
            assertOneLine(error, contains: ["s3://no-such-bucket-\(bucket)/k", "NoSuchBucket"])
        }
        XCTAssertThrowsError(try storage.create("/local/path")) { error in
            assertOneLine(error, contains: ["/local/path", "InvalidURL"])
        }
    }

    func testConnectionDroppedMidReadIsRetriedThenOneClearError() throws {
        let bytes = pattern(600_000, seed: 6)
        try write(makeStorage(), "cut", bytes)
        // Every connection is cut after 100 kB of the answer: each attempt fails.
        let cutting = try FaultyProxy(upstreamPort: Self.server!.port) { _ in .cut(afterBytes: 100_000) }
        defer { cutting.stop() }
        let storage = makeStorage(endpoint: cutting.endpoint) { $0.maxAttempts = 3; $0.readAhead = 0 }
        let source = try storage.source(url("cut"), offset: 0, length: bytes.count)
        XCTAssertThrowsError(try source.read(0..<bytes.count)) { error in
            assertOneLine(error, contains: ["s3://\(bucket)/cut:", "ConnectionFailed", "bytes=0-599999",
                                            "closed the connection before the answer was complete", "after 3 attempts"])
        }
        XCTAssertEqual(cutting.connections, 3)

        // Only the first connection is cut: the retry reads it all.
        let once = try FaultyProxy(upstreamPort: Self.server!.port) { $0 == 1 ? .cut(afterBytes: 100_000) : .none }
        defer { once.stop() }
        let retried = try makeStorage(endpoint: once.endpoint) { $0.readAhead = 0 }.source(url("cut"), offset: 0, length: bytes.count)
        XCTAssertTrue(try retried.read(0..<bytes.count) == bytes)
        XCTAssertGreaterThanOrEqual(once.connections, 2)
    }

    func testServerErrorIsRetried() throws {
        let bytes = pattern(5000, seed: 7)
        try write(makeStorage(), "flaky", bytes)
        // Without retries the injected 500 is the answer...
        let strict = try FaultyProxy(upstreamPort: Self.server!.port) { $0 == 1 ? .internalError : .none }
        defer { strict.stop() }
        let once = try makeStorage(endpoint: strict.endpoint) { $0.maxAttempts = 1 }.source(url("flaky"), offset: 0, length: 5000)
        XCTAssertThrowsError(try once.read(0..<5000)) { error in
            assertOneLine(error, contains: ["s3://\(bucket)/flaky", "InternalError", "HTTP 500"])
        }
        // ...with them, the second attempt answers.
        let flaky = try FaultyProxy(upstreamPort: Self.server!.port) { $0 == 1 ? .internalError : .none }
        defer { flaky.stop() }
        let storage = makeStorage(endpoint: flaky.endpoint)
        XCTAssertEqual(storage.status(url("flaky")), .regularFile(size: 5000))
        XCTAssertEqual(flaky.connections, 2)
        XCTAssertEqual(try storage.source(url("flaky"), offset: 0, length: nil).read(0..<5000), bytes)
    }
}

/// What threads found, collected under a lock.
final class Findings: @unchecked Sendable {
    private let lock = NSLock()
    private var found: [String] = []
    func add(_ finding: String) { lock.withLock { found.append(finding) } }
    var all: [String] { lock.withLock { found } }
}

/// Deterministic bytes that differ at every offset of interest.
func pattern(_ count: Int, seed: UInt32) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        var state = seed &* 2_654_435_761 | 1
        for i in 0..<count {
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            buffer[i] = UInt8(truncatingIfNeeded: state)
        }
        initialized = count
    }
}

func assertOneLine(_ error: any Error, contains parts: [String], file: StaticString = #filePath, line: UInt = #line) {
    let text = "\(error)"
    XCTAssertFalse(text.contains("\n"), "one line: \(text)", file: file, line: line)
    for part in parts {
        XCTAssertTrue(text.contains(part), "'\(text)' names \(part)", file: file, line: line)
    }
}
