/// Deep checks read every entry; their parts (a subtask's key-group stream, one state of a
/// RocksDB instance) share nothing but the read-only savepoint, so they run on every core.
extension Validator {
    /// One independent piece of the deep checks, run on a validator of its own, with what it
    /// reads (bytes of a table or stream; 0 for the small ones): the largest start first.
    struct DeepPart {
        let cost: Int64
        let run: (inout Validator) -> Void

        init(cost: Int64 = 0, _ run: @escaping (inout Validator) -> Void) {
            self.cost = cost
            self.run = run
        }
    }

    /// Runs `parts` side by side, each from this validator with no findings and nothing counted
    /// yet, then takes their findings and counts in part order: the report is the one running them
    /// in turn gives, whatever the scheduling. Parts start largest first (their `cost`; ties in
    /// part order), so no core is left alone with a large table at the end. Each part starts with
    /// no last key hashed (`lastKeyBytes`), so every state's first key is hash-checked.
    mutating func runSideBySide(_ parts: [DeepPart]) {
        var start = self
        start.log = FindingLog(limitPerCheck: options.limitPerCheck, shard: options.shard)
        start.checked = ValidationReport.Checked()
        start.resetLastKey()
        let largestFirst = parts.indices.sorted { (parts[$0].cost, $1) > (parts[$1].cost, $0) }
        let results = ParallelJobs.map(count: parts.count, width: options.jobs ?? ParallelJobs.defaultWidth,
                                       startOrder: largestFirst) { i -> (FindingLog, ValidationReport.Checked) in
            var part = start
            parts[i].run(&part)
            return (part.log, part.checked)
        }
        for (partLog, partChecked) in results {
            log.append(partLog)
            checked.add(partChecked)
        }
    }
}

extension ValidationReport.Checked {
    /// Adds the counts of a part of the checks.
    mutating func add(_ part: Self) {
        operators += part.operators
        subtasks += part.subtasks
        keyedStateHandles += part.keyedStateHandles
        operatorStateHandles += part.operatorStateHandles
        files += part.files
        fileBytes += part.fileBytes
        inlineStreams += part.inlineStreams
        keyGroups += part.keyGroups
        keyedEntries += part.keyedEntries
        keysHashChecked += part.keysHashChecked
        operatorStateElements += part.operatorStateElements
    }
}
