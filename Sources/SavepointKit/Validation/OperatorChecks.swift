import SavepointMetadata

/// Quick checks on the operators of `_metadata`: unique ids, sane parallelism, subtask indices
/// inside the parallelism.
extension Validator {
    /// Flink's upper bound for max parallelism (`KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM`).
    static let maxParallelismUpperBound = 1 << 15

    mutating func checkOperators() {
        let operators = savepoint.metadata.operatorStates
        checked.operators = operators.count
        checkDuplicates(operators)
        for op in operators {
            checkParallelism(op)
            checkSubtaskIndices(op)
        }
    }

    mutating func checkDuplicates(_ operators: [OperatorState]) {
        var seenIds: Set<String> = []
        var seenUids: Set<String> = []
        for op in operators {
            if !seenIds.insert(op.operatorID.hex).inserted {
                log.error(.duplicateOperator,
                          "operator id \(op.operatorID.hex) appears more than once; Flink cannot tell which state belongs to the operator",
                          at: location(op, file: metadataPath))
            }
            if let uid = op.uid, !seenUids.insert(uid).inserted {
                log.error(.duplicateOperator, "uid \"\(uid)\" appears on more than one operator", at: location(op, file: metadataPath))
            }
        }
    }

    mutating func checkParallelism(_ op: OperatorState) {
        let p = op.parallelism, maxP = op.maxParallelism
        guard p >= 1, maxP >= 1, p <= maxP, maxP <= Self.maxParallelismUpperBound else {
            log.error(.invalidParallelism,
                      "\(op.label) has parallelism \(p) and max parallelism \(maxP); Flink needs 1 ≤ parallelism ≤ max parallelism ≤ \(Self.maxParallelismUpperBound)",
                      at: location(op, file: metadataPath))
            return
        }
    }

    mutating func checkSubtaskIndices(_ op: OperatorState) {
        var seen: Set<Int> = []
        for entry in op.subtaskStates {
            if checks(subtask: entry.subtaskIndex) { checked.subtasks += 1 }
            let at = location(op, subtask: entry.subtaskIndex, file: metadataPath)
            if entry.subtaskIndex < 0 || entry.subtaskIndex >= op.parallelism {
                log.error(.subtaskIndexOutOfRange,
                          "\(op.label) has state for subtask \(entry.subtaskIndex), outside its parallelism \(op.parallelism)", at: at)
            }
            if !seen.insert(entry.subtaskIndex).inserted {
                log.error(.duplicateSubtask, "\(op.label) lists subtask \(entry.subtaskIndex) more than once", at: at)
            }
        }
    }
}
