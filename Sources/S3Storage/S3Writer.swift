// A new object written front to back.
//
// Up to `partSize` bytes it is one PutObject at `finish()`
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html). Past that it becomes a
// multipart upload (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html):
// CreateMultipartUpload when the first part is full, each full part uploaded while the writer fills
// the next (at most `partsInFlight` at once: memory is partSize × (partsInFlight + 1)), the rest as the
// last part and CompleteMultipartUpload with every part's number and ETag at `finish()`. S3 wants
// parts of at least 5 MiB except the last, and at most 10 000 parts
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html).
//
// The object appears under its key only when PutObject or CompleteMultipartUpload succeeds, so a
// writer that fails or is abandoned leaves nothing; `abandon()` aborts the upload, which frees the
// parts already stored.

import Bytes
import NIOCore
import Storage

final class S3Writer: StorageWriter {
    let client: S3Client
    let path: S3Path
    let partSize: Int
    let partsInFlight: Int

    private var buffer: [UInt8] = []
    private var uploadId: String?
    private var etags: [String] = []
    private var inFlight: [EventLoopFuture<String>] = []
    private var closed = false

    init(client: S3Client, path: S3Path, partSize: Int, partsInFlight: Int) {
        self.client = client
        self.path = path
        self.partSize = max(partSize, 5 << 20)
        self.partsInFlight = max(partsInFlight, 1)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !closed else { throw closedError() }
        var rest = bytes[...]
        while !rest.isEmpty {
            let take = min(rest.count, partSize - buffer.count)
            buffer.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
            if buffer.count == partSize {
                do { try sendPart() } catch {
                    abandon()
                    throw error
                }
            }
        }
    }

    func finish() throws {
        guard !closed else { throw closedError() }
        do {
            guard let uploadId else {
                try client.wait(client.put(path, body: buffer))
                closed = true
                buffer = []
                return
            }
            if !buffer.isEmpty { try sendPart() }
            try collect(upTo: 0)
            try client.wait(client.completeMultipartUpload(path, uploadId: uploadId, etags: etags))
            closed = true
            buffer = []
        } catch {
            abandon()
            throw error
        }
    }

    func abandon() {
        guard !closed else { return }
        closed = true
        buffer = []
        for future in inFlight { _ = try? client.wait(future) }
        inFlight = []
        if let uploadId { _ = try? client.wait(client.abortMultipartUpload(path, uploadId: uploadId)) }
    }

    /// Starts the upload of the buffered bytes as the next part, first waiting for the oldest part
    /// in flight when `partsInFlight` are.
    private func sendPart() throws {
        if uploadId == nil { uploadId = try client.wait(client.createMultipartUpload(path)) }
        guard etags.count + inFlight.count < 10_000 else {
            throw S3Error(object: path.description, code: "TooManyParts",
                          message: "more than 10000 parts of \(partSize) bytes")
        }
        try collect(upTo: partsInFlight - 1)
        let number = etags.count + inFlight.count + 1
        inFlight.append(client.uploadPart(path, uploadId: uploadId!, number: number, body: buffer))
        buffer = []
        buffer.reserveCapacity(partSize)
    }

    /// Waits for the oldest parts until at most `limit` are in flight.
    private func collect(upTo limit: Int) throws {
        while inFlight.count > limit {
            let etag = try client.wait(inFlight.removeFirst())
            etags.append(etag)
        }
    }

    private func closedError() -> S3Error {
        S3Error(object: path.description, code: "WriterClosed", message: "written after finish() or abandon()")
    }
}
