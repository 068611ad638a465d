/// Collects what a salvaging read skipped, coalescing consecutive lost key groups of one file
/// (`key groups 12-19`, not eight lines). One log per subtask read, so no locking.
public final class SalvageLog {
    public private(set) var skipped: [SkippedRange] = []

    public init() {}

    public func add(_ range: SkippedRange) {
        if let last = skipped.last, last.isContinued(by: range) {
            skipped[skipped.count - 1].keyGroups!.last = range.keyGroups!.last
            return
        }
        skipped.append(range)
    }

    /// Hands over what was collected and starts empty again.
    public func drain() -> [SkippedRange] {
        defer { skipped = [] }
        return skipped
    }
}
