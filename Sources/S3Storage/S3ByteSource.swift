// Random access to a range of an S3 object through ranged GETs
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, `Range: bytes=FIRST-LAST`,
// RFC 9110 §14.1.2: both ends inclusive).
//
// The object is read in chunks of `chunkSize` bytes, aligned to the start of the source: the many
// small adjacent reads of a reader (a header, then one key group after another) coalesce into one
// GET per chunk. A reader that goes forward (its read starts in the chunk it last read or the next)
// gets the following `readAhead` chunks requested before it asks, so that many GETs are in flight
// while it decodes; a reader that jumps gets only the chunks it asked for. At most
// `readAhead + 2` chunks (or the chunks of the one read in hand) are kept: memory is bounded by
// chunk size × (read-ahead + 2) per source, whatever the object's size.

import Bytes
import NIOConcurrencyHelpers
import NIOCore

final class S3ByteSource: ByteSource, @unchecked Sendable {
    let name: String
    let size: Int
    let client: S3Client
    let path: S3Path
    /// Where this source starts in the object.
    let base: Int
    let chunkSize: Int
    let readAhead: Int

    private let lock = NIOLock()
    /// Chunk index → its GET (done or in flight), and when it was last used.
    private var chunks: [Int: (bytes: EventLoopFuture<[UInt8]>, used: Int)] = [:]
    private var clock = 0
    /// The last chunk read; -1 so that a first read at the start counts as going forward.
    private var lastChunk = -1

    init(client: S3Client, path: S3Path, base: Int, size: Int, chunkSize: Int, readAhead: Int) {
        self.name = path.description
        self.client = client
        self.path = path
        self.base = base
        self.size = size
        self.chunkSize = max(chunkSize, 1)
        self.readAhead = max(readAhead, 0)
    }

    var chunkCount: Int { (size + chunkSize - 1) / chunkSize }

    func read(_ range: Range<Int>) throws -> [UInt8] {
        guard range.lowerBound >= 0, range.upperBound <= size else {
            throw FormatError(file: name, offset: max(range.lowerBound, 0),
                              "expected \(range.count) bytes at offset \(range.lowerBound), but the stream has \(size) bytes")
        }
        if range.isEmpty { return [] }
        let first = range.lowerBound / chunkSize
        let last = (range.upperBound - 1) / chunkSize
        let wanted: [EventLoopFuture<[UInt8]>] = lock.withLock {
            let forward = first == lastChunk || first == lastChunk + 1
            lastChunk = last
            let fetched = (first...last).map { chunk(at: $0) }
            if forward {
                for index in (last + 1)..<min(last + 1 + readAhead, chunkCount) { _ = chunk(at: index) }
            }
            evict(keeping: first...last)
            return fetched
        }
        if wanted.count == 1 {
            let bytes = try bytes(of: first, wanted[0])
            let start = range.lowerBound - first * chunkSize
            if start == 0, bytes.count == range.count { return bytes }
            return Array(bytes[start..<(start + range.count)])
        }
        var out = [UInt8]()
        out.reserveCapacity(range.count)
        for (i, future) in wanted.enumerated() {
            let bytes = try bytes(of: first + i, future)
            let chunkStart = (first + i) * chunkSize
            let from = max(range.lowerBound, chunkStart) - chunkStart
            let to = min(range.upperBound, chunkStart + bytes.count) - chunkStart
            out.append(contentsOf: bytes[from..<to])
        }
        return out
    }

    /// Waits for a chunk; a failed GET is forgotten so that a later read asks again.
    private func bytes(of index: Int, _ future: EventLoopFuture<[UInt8]>) throws -> [UInt8] {
        do {
            return try client.wait(future)
        } catch {
            lock.withLock { chunks[index] = nil }
            throw error
        }
    }

    /// The GET of chunk `index`, started when not cached. Called under the lock.
    private func chunk(at index: Int) -> EventLoopFuture<[UInt8]> {
        clock += 1
        if let cached = chunks[index] {
            chunks[index] = (cached.bytes, clock)
            return cached.bytes
        }
        let offset = index * chunkSize
        let length = min(chunkSize, size - offset)
        let future = client.get(path, offset: base + offset, length: length)
        chunks[index] = (future, clock)
        return future
    }

    /// Drops the least recently used chunks beyond the bound, never those of the read in hand.
    private func evict(keeping inUse: ClosedRange<Int>) {
        let bound = max(readAhead + 2, inUse.count)
        guard chunks.count > bound else { return }
        let byAge = chunks.filter { !inUse.contains($0.key) }.sorted { $0.value.used < $1.value.used }
        for (index, _) in byAge.prefix(chunks.count - bound) { chunks[index] = nil }
    }
}
