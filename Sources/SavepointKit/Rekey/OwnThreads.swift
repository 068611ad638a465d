import Foundation

/// Runs jobs on up to `width` threads of their own, not the dispatch pool's: an operator is
/// re-keyed from inside a conversion's subtask job (`ParallelJobs`), whose pool threads are busy
/// or waiting for the re-keying, and libdispatch runs a `concurrentPerform` nested in another one
/// on the calling thread alone once the outer one uses every core (`dispatch_apply` divides the
/// thread count by its nesting).
enum OwnThreads {
    /// After a failure no new job starts; the error of the lowest failed job is thrown once the
    /// running ones have finished.
    /// `job` escapes: a `Thread` may hold its block a while after the block has returned (so it
    /// cannot be a non-escaping closure under `withoutActuallyEscaping`, which traps then).
    static func run(count: Int, width: Int, _ job: @escaping (Int) throws -> Void) throws {
        guard count > 1, width > 1 else {
            for i in 0..<count { try job(i) }
            return
        }
        let queue = JobQueue(count: count)
        let threads = min(width, count)
        let box = UncheckedJob(job)
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<threads {
            let thread = Thread {
                while let i = queue.next() {
                    do { try box.job(i) } catch { queue.fail(i, error) }
                }
                done.signal()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        for _ in 0..<threads { done.wait() }
        if let error = queue.firstError { throw error }
    }

    private final class UncheckedJob: @unchecked Sendable {
        let job: (Int) throws -> Void
        init(_ job: @escaping (Int) throws -> Void) { self.job = job }
    }

    private final class JobQueue: @unchecked Sendable {
        private let lock = NSLock()
        private var nextJob = 0
        private let count: Int
        private var errors: [(job: Int, error: any Error)] = []

        init(count: Int) { self.count = count }

        func next() -> Int? {
            lock.withLock {
                guard errors.isEmpty, nextJob < count else { return nil }
                defer { nextJob += 1 }
                return nextJob
            }
        }

        func fail(_ job: Int, _ error: any Error) {
            lock.withLock { errors.append((job, error)) }
        }

        var firstError: (any Error)? {
            lock.withLock { errors.min { $0.job < $1.job }?.error }
        }
    }
}
