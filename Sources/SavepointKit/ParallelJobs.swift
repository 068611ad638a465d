import Dispatch
import Foundation

/// Runs independent jobs (a conversion's subtasks, deep validation's states) on up to `width`
/// threads and returns their results in job order, so what is reported does not depend on the
/// scheduling. Jobs share nothing but the read-only input (and a conversion's output directory),
/// so running them side by side uses every core; `width` bounds memory (each job holds one key
/// group or data block at a time). After a failure no new job starts; the error of the lowest
/// failed job is thrown once the running ones have finished.
///
/// `startOrder` (a permutation of the jobs) is the order in which jobs start, results still in
/// job order: the largest jobs first, so that no thread is left with a large one while the others
/// have nothing left to do (longest processing time first).
enum ParallelJobs {
    static var defaultWidth: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Starts the thread pool `run` draws on, for a caller with serial work to do before its
    /// first run: the pool's threads start on first use, and a first run with as many jobs as
    /// threads (deep validation's opening of RocksDB instances) could otherwise see the calling
    /// thread take them all before another thread was up.
    static func startThreads() {
        guard defaultWidth > 1 else { return }
        DispatchQueue.global().async {}
    }

    static func run<T>(count: Int, width: Int = defaultWidth, startOrder: [Int]? = nil,
                       _ job: (Int) throws -> T) throws -> [T] {
        guard count > 1, width > 1 else { return try (0..<count).map(job) }
        precondition(startOrder.map { $0.count == count && Set($0) == Set(0..<count) } ?? true,
                     "startOrder must be a permutation of the jobs")
        let state = SharedState<T>(count: count, startOrder: startOrder)
        try withoutActuallyEscaping(job) { job in
            let box = UncheckedBox(job)
            DispatchQueue.concurrentPerform(iterations: min(width, count)) { _ in
                while let i = state.nextJob() {
                    let result = Result { try box.value(i) }
                    state.finish(i, result)
                }
            }
            try state.throwFirstError()
        }
        return state.values()
    }

    /// `run` for jobs that cannot fail.
    static func map<T>(count: Int, width: Int = defaultWidth, startOrder: [Int]? = nil, _ job: (Int) -> T) -> [T] {
        do {
            return try run(count: count, width: width, startOrder: startOrder, job)
        } catch {
            preconditionFailure("a job that cannot throw threw \(error)")
        }
    }

    private final class UncheckedBox<V>: @unchecked Sendable {
        let value: V
        init(_ value: V) { self.value = value }
    }

    /// The job queue and the results, behind one lock.
    private final class SharedState<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        private var failed = false
        private var results: [Result<T, any Error>?]
        private let count: Int
        private let startOrder: [Int]?

        init(count: Int, startOrder: [Int]?) {
            self.count = count
            self.startOrder = startOrder
            results = Array(repeating: nil, count: count)
        }

        func nextJob() -> Int? {
            lock.withLock {
                guard !failed, next < count else { return nil }
                defer { next += 1 }
                return startOrder?[next] ?? next
            }
        }

        func finish(_ i: Int, _ result: Result<T, any Error>) {
            lock.withLock {
                if case .failure = result { failed = true }
                results[i] = result
            }
        }

        func throwFirstError() throws {
            for case let .failure(error)? in results { throw error }
        }

        func values() -> [T] {
            results.map { r -> T in
                guard case let .success(v)? = r else { preconditionFailure("a job without a result after a successful run") }
                return v
            }
        }
    }
}
