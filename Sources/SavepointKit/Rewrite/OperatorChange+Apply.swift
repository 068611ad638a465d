import SavepointMetadata

extension CheckpointMetadata {
    /// The metadata with checked changes applied: removed operators gone, new ids, and new uids
    /// where this metadata version stores uids (5 and later; older savepoints store ids only, and
    /// Flink matches operators by id). An operator's state handles, coordinator state included,
    /// stay with it: the state moves to the new id as it is. A new max parallelism is set, and an
    /// operator whose keyed state is re-keyed gets the stand-in handles of its new key-group
    /// ranges (`MaxParallelismChange.planned`), which the pipeline's writes replace.
    public func applying(_ changes: [OperatorChange]) -> CheckpointMetadata {
        var out = self
        let byIndex = Dictionary(uniqueKeysWithValues: changes.map { ($0.index, $0) })
        out.operatorStates = operatorStates.indices.compactMap { i in
            var op = operatorStates[i]
            guard let change = byIndex[i] else { return op }
            if change.removed { return nil }
            if let id = change.newID {
                op.operatorID = id
                op.uid = storesOperatorUids ? change.newUid : nil
            }
            if let n = change.newMaxParallelism { op = MaxParallelismChange.planned(op, maxParallelism: n) }
            return op
        }
        return out
    }
}
