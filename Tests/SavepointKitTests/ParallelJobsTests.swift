import Foundation
import Testing
@testable import SavepointKit

/// Subtasks converted side by side: results in job order, every job run once, the lowest failed
/// job's error thrown, no new job started after a failure.
@Suite struct ParallelJobsTests {
    struct Failure: Error, Equatable { let job: Int }

    final class Counter: @unchecked Sendable {
        let lock = NSLock()
        var runs: [Int] = []
        func ran(_ i: Int) { lock.withLock { runs.append(i) } }
    }

    @Test(arguments: [1, 2, 4])
    func resultsComeInJobOrder(width: Int) throws {
        let counter = Counter()
        let out = try ParallelJobs.run(count: 50, width: width) { i -> Int in
            counter.ran(i)
            if i % 7 == 0 { Thread.sleep(forTimeInterval: 0.002) }
            return i * i
        }
        #expect(out == (0..<50).map { $0 * $0 })
        #expect(counter.runs.sorted() == Array(0..<50))
    }

    /// Deep validation starts its largest parts first: jobs start in the order given (one thread
    /// takes them one at a time), results still come in job order.
    @Test(arguments: [2, 3])
    func jobsStartInTheOrderGivenAndResultsComeInJobOrder(width: Int) throws {
        let counter = Counter()
        let order = [4, 0, 5, 2, 1, 3]
        let out = try ParallelJobs.run(count: 6, width: width, startOrder: order) { i -> Int in
            counter.ran(i)
            return 10 * i
        }
        #expect(out == [0, 10, 20, 30, 40, 50])
        #expect(counter.runs.sorted() == Array(0..<6))
        // A job is taken once every job before it in the order was; it records its start after
        // at most `width - 1` jobs taken later (one on each other thread) recorded theirs.
        for (recorded, job) in counter.runs.enumerated() {
            let taken = try #require(order.firstIndex(of: job))
            #expect(taken <= recorded + width - 1, "job \(job) (\(taken) in the order) started \(recorded)th: \(counter.runs)")
        }
        let inTurn = Counter()
        _ = ParallelJobs.map(count: 6, width: 1, startOrder: order) { inTurn.ran($0) }
        #expect(inTurn.runs == Array(0..<6), "one at a time, jobs run in job order")
    }

    @Test func theLowestFailedJobsErrorIsThrown() {
        #expect(throws: Failure(job: 3)) {
            _ = try ParallelJobs.run(count: 40, width: 2) { i -> Int in
                if i == 3 || i == 4 { throw Failure(job: i) }
                return i
            }
        }
    }

    @Test func noJobStartsAfterAFailure() {
        let counter = Counter()
        _ = try? ParallelJobs.run(count: 1000, width: 2) { i -> Int in
            counter.ran(i)
            if i == 0 { throw Failure(job: 0) }
            Thread.sleep(forTimeInterval: 0.001)
            return i
        }
        #expect(counter.runs.count < 100, "\(counter.runs.count) jobs ran after job 0 failed")
    }

    @Test func zeroJobsGiveNoResults() throws {
        #expect(try ParallelJobs.run(count: 0, width: 2) { $0 }.isEmpty)
    }
}
