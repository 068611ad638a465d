import Dispatch
import Foundation

/// Renders pieces of one output side by side and writes them in piece order: what writing them
/// in turn gives, byte for byte. Each piece renders into an output of its own, whose full buffers
/// (`chunkSize` bytes) queue for the writer, at most `queueLimit` per piece, so memory stays
/// bounded whatever the output size: a piece that runs ahead of the writer waits. A piece's
/// output is large (a whole state of a subtask), so the default lets the running pieces queue
/// `lookAhead` bytes between them: with less, the pieces after the one being written soon wait
/// and the rendering is in turn again.
///
/// Pieces are taken in order and the writer drains them in order, so the lowest unfinished
/// piece is always running and the writer always gets its chunks: no piece waits forever. The
/// writer is the calling thread; `width` threads render.
///
/// A piece that throws has its lines up to the error written, then its error is thrown (the
/// pieces after it are stopped); so is an error of the output (`OutputClosed` for `| head`).
final class OrderedChunkWriter: @unchecked Sendable {
    typealias Piece = (JSONLinesOutput) throws -> Void

    private let condition = NSCondition()
    private var queues: [[(chunk: [UInt8], lines: Int)]]
    private var finished: [Bool]
    private var errors: [(any Error)?]
    private var nextPiece = 0
    /// Written chunks, emptied, for the renderers to fill again.
    private var spare: [[UInt8]] = []
    /// Set when the writer stops early: waiting pieces give up and no new piece starts.
    private var stopped = false
    private let pieces: [Piece]
    private let chunkSize: Int
    private let queueLimit: Int

    private struct Stopped: Error {}

    private init(pieces: [Piece], chunkSize: Int, queueLimit: Int) {
        self.pieces = pieces
        self.chunkSize = chunkSize
        self.queueLimit = queueLimit
        queues = Array(repeating: [], count: pieces.count)
        finished = Array(repeating: false, count: pieces.count)
        errors = Array(repeating: nil, count: pieces.count)
    }

    static let lookAhead = 32 << 20

    static func write(_ pieces: [Piece], into output: JSONLinesOutput, width: Int,
                      chunkSize: Int = 256 << 10, queueLimit: Int? = nil) throws {
        let limit = queueLimit ?? lookAhead / chunkSize / max(1, width)
        let writer = OrderedChunkWriter(pieces: pieces, chunkSize: chunkSize, queueLimit: max(1, limit))
        let threads = max(1, min(width, pieces.count))
        // Threads of their own, not a shared pool's: a renderer waits for the writer, and a
        // waiting pool thread could be one a renderer needs.
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<threads {
            let thread = Thread {
                writer.render()
                done.signal()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        defer {
            writer.stop()
            for _ in 0..<threads { done.wait() }
        }
        try writer.drain(into: output)
    }

    // MARK: rendering threads

    private func render() {
        while let i = take() {
            let output = JSONLinesOutput(flushThreshold: chunkSize) { chunk, lines in try self.put(&chunk, lines: lines, piece: i) }
            var failure: (any Error)?
            do {
                try pieces[i](output)
            } catch {
                failure = error
            }
            // The lines before an error are part of the output too.
            do {
                try output.flush()
            } catch {
                failure = failure ?? error
            }
            condition.withLock {
                if !(failure is Stopped) { errors[i] = failure }
                finished[i] = true
                condition.broadcast()
            }
        }
    }

    private func take() -> Int? {
        condition.withLock {
            guard !stopped, nextPiece < pieces.count else { return nil }
            defer { nextPiece += 1 }
            return nextPiece
        }
    }

    /// Queues a full buffer of piece `i` and leaves an empty one in its place.
    private func put(_ chunk: inout [UInt8], lines: Int, piece i: Int) throws {
        guard !chunk.isEmpty else { return }
        var next = try condition.withLock {
            while queues[i].count >= queueLimit, !stopped { condition.wait() }
            if stopped { throw Stopped() }
            return spare.popLast() ?? []
        }
        swap(&next, &chunk)
        if chunk.capacity < chunkSize { chunk.reserveCapacity(chunkSize + 4096) }
        condition.withLock {
            queues[i].append((next, lines))
            // Only the writer waits for a queue to fill, and only while it is empty.
            if queues[i].count == 1 { condition.broadcast() }
        }
    }

    // MARK: the writer

    private func drain(into output: JSONLinesOutput) throws {
        for i in pieces.indices {
            while true {
                let next: (chunk: [UInt8], lines: Int)? = condition.withLock {
                    while queues[i].isEmpty, !finished[i] { condition.wait() }
                    guard !queues[i].isEmpty else { return nil }
                    // A renderer waits only on a full queue.
                    if queues[i].count == queueLimit { condition.broadcast() }
                    return queues[i].removeFirst()
                }
                guard var next else { break }
                try output.append(chunk: next.chunk, lines: next.lines)
                next.chunk.removeAll(keepingCapacity: true)
                condition.withLock { if spare.count < queueLimit * pieces.count { spare.append(next.chunk) } }
            }
            if let error = condition.withLock({ errors[i] }) { throw error }
        }
    }

    private func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }
}
