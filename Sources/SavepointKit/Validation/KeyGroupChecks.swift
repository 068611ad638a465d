import SavepointMetadata

/// Quick checks on key groups: the subtasks of a keyed operator must hold every key group in
/// `[0, maxParallelism)` exactly once, in the ranges Flink assigns, with offsets that go forward.
extension Validator {
    mutating func checkKeyGroupCoverage() {
        for op in savepoint.metadata.operatorStates {
            checkCoverage(op, raw: false)
            checkCoverage(op, raw: true)
            for (index, state) in op.presentSubtasks {
                for case let .keyGroups(h)? in [state.managedKeyedState, state.rawKeyedState] {
                    checkOffsets(h, op: op, subtask: index)
                }
            }
        }
    }

    /// Coverage of one kind of keyed state (managed or raw) of one operator.
    mutating func checkCoverage(_ op: OperatorState, raw: Bool) {
        let handles = op.presentSubtasks.compactMap { index, state in
            (raw ? state.rawKeyedState : state.managedKeyedState).map { (index, $0.keyGroupRange) }
        }
        guard !handles.isEmpty else { return }
        let maxP = op.maxParallelism
        let formulaApplies = op.parallelism >= 1 && op.parallelism <= maxP && maxP <= Self.maxParallelismUpperBound
        var count = [Int](repeating: 0, count: formulaApplies ? maxP : 0)
        for (index, range) in handles {
            let at = location(op, subtask: index, file: metadataPath)
            if range.numberOfKeyGroups > 0, range.endKeyGroup >= maxP {
                log.error(.keyGroupOutOfRange,
                          "\(op.label): subtask \(index) holds key groups \(range.startKeyGroup)-\(range.endKeyGroup), past max parallelism \(maxP)",
                          at: at)
            }
            guard formulaApplies else { continue }
            for kg in range.keyGroups where kg < maxP { count[kg] += 1 }
            guard index >= 0, index < op.parallelism else { continue }
            let expected = KeyGroupRange(maxParallelism: maxP, parallelism: op.parallelism, subtaskIndex: index)
            if range != expected {
                log.warning(.keyGroupRangeMismatch,
                            "\(op.label): subtask \(index) holds key groups \(Self.describe(range)), Flink assigns it \(Self.describe(expected)) at parallelism \(op.parallelism) and max parallelism \(maxP)",
                            at: at)
            }
        }
        guard formulaApplies else { return }
        let excused = excuseSubtasksWithoutKeyedState(op, raw: raw, holding: Set(handles.map(\.0)))
        reportCoverage(count, excused: excused, op: op, raw: raw)
    }

    /// Subtasks that hold state but no keyed handle of this kind: a backend that never registered a
    /// state writes none, so their key groups are empty rather than lost. Returns the key groups.
    mutating func excuseSubtasksWithoutKeyedState(_ op: OperatorState, raw: Bool, holding: Set<Int>) -> Set<Int> {
        var excused: Set<Int> = []
        for index in 0..<op.parallelism where !holding.contains(index) {
            let range = KeyGroupRange(maxParallelism: op.maxParallelism, parallelism: op.parallelism, subtaskIndex: index)
            excused.formUnion(range.keyGroups)
            let finished = op.subtaskStates.contains { $0.subtaskIndex == index && $0.isFinished }
            guard !finished, !raw else { continue }
            log.warning(.subtaskWithoutKeyedState,
                        "\(op.label): subtask \(index) has no keyed state while other subtasks do; key groups \(Self.describe(range)) restore empty",
                        at: location(op, subtask: index, file: metadataPath))
        }
        return excused
    }

    mutating func reportCoverage(_ count: [Int], excused: Set<Int>, op: OperatorState, raw: Bool) {
        let what = raw ? "raw keyed state" : "keyed state"
        for run in Self.runs(in: count, where: { kg, n in n == 0 && !excused.contains(kg) }) {
            log.error(.keyGroupGap,
                      "\(op.label): key groups \(run.lowerBound)-\(run.upperBound) are in no subtask's \(what); the state of their keys would be lost",
                      at: location(op, keyGroup: run.lowerBound, file: metadataPath))
        }
        for run in Self.runs(in: count, where: { _, n in n > 1 }) {
            log.error(.keyGroupOverlap,
                      "\(op.label): key groups \(run.lowerBound)-\(run.upperBound) are in more than one subtask's \(what); Flink would restore duplicates",
                      at: location(op, keyGroup: run.lowerBound, file: metadataPath))
        }
    }

    /// Non-empty key groups' offsets must be positive and strictly ascending: each block follows the previous one.
    mutating func checkOffsets(_ h: KeyGroupsStateHandle, op: OperatorState, subtask: Int) {
        var previous: (keyGroup: Int, offset: Int64)?
        for (i, offset) in h.offsets.enumerated() {
            let kg = h.keyGroupRange.startKeyGroup + i
            let at = location(op, subtask: subtask, keyGroup: kg, file: metadataPath)
            if offset < 0 {
                log.error(.offsetOutOfRange, "\(op.label): key group \(kg) has the negative offset \(offset)", at: at)
                continue
            }
            guard offset > 0 else { continue }
            if let previous, offset <= previous.offset {
                log.error(.keyGroupOffsetsNotAscending,
                          "\(op.label): key group \(kg) starts at \(offset), not after key group \(previous.keyGroup) at \(previous.offset)",
                          at: at)
            }
            previous = (kg, offset)
        }
    }

    /// Maximal runs of indices where `predicate` holds, as closed ranges.
    static func runs(in count: [Int], where predicate: (Int, Int) -> Bool) -> [ClosedRange<Int>] {
        var out: [ClosedRange<Int>] = []
        var start: Int?
        for (i, n) in count.enumerated() {
            if predicate(i, n) {
                if start == nil { start = i }
            } else if let s = start {
                out.append(s...(i - 1))
                start = nil
            }
        }
        if let s = start { out.append(s...(count.count - 1)) }
        return out
    }

    static func describe(_ range: KeyGroupRange) -> String {
        range.isEmpty ? "none" : "\(range.startKeyGroup)-\(range.endKeyGroup)"
    }
}
