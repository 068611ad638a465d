import Foundation
@testable import SavepointKit
import SavepointMetadata

/// A whole savepoint moved to another max parallelism by `rewrite`'s pipeline (`Rewriter` with a
/// `--max-parallelism` plan), with a small re-keying budget when a test wants spill files, so that
/// the Rekey components can be judged by reading the result back (and by real Flink, with
/// `restore-check`).
enum RekeyTestSupport {
    static func rekey(_ path: String, maxParallelism: Int, target: ConvertOptions.Target, into out: URL,
                      memoryBudget: Int = KeyGroupRekeying.defaultMemoryBudget) throws {
        var options = Rewriter.Options()
        options.target = target
        options.force = true   // the test's scratch directory exists, empty
        options.rekeyMemoryBudget = memoryBudget
        let plan = RewritePlan(operations: [.setMaxParallelism(operator: nil, to: maxParallelism)])
        _ = try Rewriter(input: try Savepoint.open(path), plan: plan, options: options).write(to: out)
    }
}
