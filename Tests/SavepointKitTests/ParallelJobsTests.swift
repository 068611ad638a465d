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
