import Foundation
import Bytes
import CanonicalFormat
import FlinkSerialization
import SavepointMetadata

extension SizeReport {
    /// Reads `savepoint` once: the files' sizes from the file system, then every keyed entry
    /// through the readers `convert` uses, one key group at a time (a canonical stream in place).
    ///
    /// `shard` (`--subtasks`): only those subtasks of each operator; `_metadata` and coordinator
    /// bytes only in the shard holding subtask 0. Entries, bytes and per-key-group and per-subtask
    /// arrays then add up over the shards to the whole report's (skews and largest entries are the shard's).
    ///
    /// `now` (epoch milliseconds, default the clock) is when TTL ages are measured from.
    public init(_ savepoint: Savepoint, top: Int = 10, shard: SubtaskShard? = nil, now: Int64? = nil) throws {
        let now = now ?? Int64(Date().timeIntervalSince1970 * 1000)
        let part = shard.map { savepoint.restricted(to: $0) } ?? savepoint
        let inspect = try InspectReport(part)
        var ledger = SizeLedger(savepoint)
        let holdsSavepointWide = shard?.holdsSavepointWide ?? true
        orphans = !holdsSavepointWide ? [] : Orphan.files(
            under: savepoint.location.metadataDirectory, in: savepoint.storage,
            referenced: Set(ledger.claims.filter { !$0.inMetadata }.map(\.path)))
        if let shard { ledger.keep(shard) }
        path = savepoint.path
        form = inspect.form
        subtasks = shard?.description
        metadataBytes = holdsSavepointWide ? Int64(savepoint.metadataSize) : 0
        self.top = top
        missingFiles = ledger.missing
        operators = try part.metadata.operatorStates.enumerated().map { o, op in
            try Operator(op, index: o, inspected: inspect.operators[o], ledger: ledger, in: part, top: top, now: now)
        }
        orphans += operators.flatMap(\.orphans)
        if shard == nil {
            orphans += operators.flatMap { op in
                // Every keyed operator has its timer services, pending timers or not: not orphans.
                op.states.filter { $0.entries == 0 && $0.kind != "timer" }.map {
                    Orphan(kind: "empty-state", name: $0.name, operator: op.uid ?? op.operatorId, bytes: 0)
                }
            }
        }
        ttlNow = operators.contains { $0.states.contains { $0.ttlAge != nil } } ? now : nil
        totalBytes = metadataBytes + ledger.fileBytes
    }
}

extension SizeReport.Operator {
    init(_ op: OperatorState, index o: Int, inspected: InspectReport.Operator, ledger: SizeLedger, in savepoint: Savepoint,
         top: Int, now: Int64) throws {
        uid = inspected.uid
        name = inspected.name
        operatorId = inspected.operatorId
        parallelism = op.parallelism
        maxParallelism = op.maxParallelism
        let mine = ledger.claims.filter { $0.op == o }
        coordinatorBytes = mine.filter { $0.bucket == .coordinator && !$0.inMetadata }.reduce(0) { $0 + $1.bytes }
        subtasks = op.subtaskStates.compactMap { entry in
            entry.state.map { SizeReport.Subtask(entry.subtaskIndex, $0, claims: mine.filter { $0.subtask == entry.subtaskIndex }) }
        }
        bytes = coordinatorBytes + subtasks.reduce(0) { $0 + $1.bytes }
        var keyGroupBytes: [Int64] = []
        var orphans: [Orphan] = []
        states = try Self.keyedStates(op, inspected: inspected, in: savepoint, top: top, now: now, claims: mine,
                                      keyGroupBytes: &keyGroupBytes, orphans: &orphans)
        self.orphans = orphans
        self.keyGroupBytes = keyGroupBytes
        columnFamilies = inspected.columnFamilies.map { families in
            families.map { cf in
                var cf = cf
                cf.liveEntries = cf.state.map { name in states.first { $0.name == name }?.entries ?? 0 } ?? 0
                return cf
            }
        }
    }

    /// Walks the operator's keyed state one key group at a time and tallies each state.
    static func keyedStates(_ op: OperatorState, inspected: InspectReport.Operator, in savepoint: Savepoint,
                            top: Int, now: Int64, claims: [SizeLedger.Claim], keyGroupBytes: inout [Int64],
                            orphans: inout [Orphan]) throws -> [SizeReport.State] {
        let handles = op.subtaskStates.compactMap { e in e.state?.managedKeyedState.map { (e.subtaskIndex, $0) } }
        guard !handles.isEmpty else { return [] }
        // Subtasks side by side (as convert does), each tallied alone, then merged in subtask order.
        let perSubtask = try ParallelJobs.run(count: handles.count) { j in
            let (subtask, handle) = handles[j]
            let reader = try RawKeyedStateReaders.open(handle, of: op, in: savepoint)
            let range = reader.keyGroupRange
            var local: [StateTally] = reader.proxy.states.map { meta in
                StateTally(isList: KeyedStateKind(metaInfo: meta) == .list, top: top,
                           keyGroups: range.startKeyGroup..<(range.endKeyGroup + 1), subtasks: op.parallelism,
                           ttl: TTLAges.timestampOffset(meta, keySerializer: reader.proxy.keySerializer).map { ($0, now) })
            }
            if let stream = (reader as? KeyedStateStreamRawReader)?.stream, stream.layout == .canonical {
                // Sizes do not depend on order: a canonical stream is tallied in place, as stored
                // (no copy into key groups, no sorting), as `KeyedStateStreamRawReader.digest` does.
                let prefix = stream.keyGroupPrefixBytes
                for (kg, bytes) in stream.keyGroupRanges() {
                    try stream.forEachEntryBytes(inKeyGroup: kg, byteRange: bytes) { state, keyAfterPrefix, value in
                        local[state].add(keyGroup: kg, subtask: subtask, prefixBytes: prefix, keyAfterPrefix: keyAfterPrefix, value: value)
                    }
                }
            } else {
                try reader.forEachKeyGroup { group in
                    let kg = group.keyGroup
                    group.forEach { state, key, value in
                        local[state].add(keyGroup: kg, subtask: subtask, key: key, value: value)
                    }
                }
            }
            var found: [Orphan] = []
            if let lsm = reader as? LSMRawKeyedStateReader, case let .incrementalRemote(h) = handle {
                found = Orphan.inInstance(lsm.state, handle: h, operator: inspected.uid ?? inspected.operatorId, subtask: subtask) { name in
                    claims.filter { $0.subtask == subtask && $0.part == name }.reduce(0) { $0 + $1.bytes }
                }
            }
            return (reader.proxy, local, found)
        }
        var proxyStates: [StateMetaInfoSnapshot] = []
        let keySerializer = perSubtask.first?.0.keySerializer
        var tallies: [String: StateTally] = [:]
        var order: [String] = []
        orphans = perSubtask.flatMap(\.2)
        for (proxy, local, _) in perSubtask {
            for (i, meta) in proxy.states.enumerated() {
                if tallies[meta.name] == nil {
                    order.append(meta.name)
                    proxyStates.append(meta)
                    tallies[meta.name] = StateTally(isList: local[i].isList, top: top,
                                                    keyGroups: 0..<max(op.maxParallelism, 1), subtasks: op.parallelism,
                                                    ttl: local[i].ttl)
                }
                tallies[meta.name]!.merge(local[i])
            }
        }
        keyGroupBytes = order.reduce(into: [Int64](repeating: 0, count: max(op.maxParallelism, 1))) { sum, name in
            for (i, n) in tallies[name]!.perKeyGroup.enumerated() { sum[i] += n }
        }
        let prefix = FlinkHashing.keyGroupPrefixBytes(maxParallelism: max(op.maxParallelism, 1))
        let operatorName = inspected.uid ?? inspected.operatorId
        return order.enumerated().map { i, name in
            let tally = tallies[name]!
            let renderer = keySerializer.map {
                DiffEntryRenderer(schema: KeyedStateSchema(metaInfo: proxyStates[i], keySerializer: $0),
                                  operatorName: operatorName, keyGroupPrefixBytes: prefix)
            }
            func entry(_ c: StateTally.Candidate) -> SizeReport.Entry {
                var e = SizeReport.Entry(keyGroup: c.keyGroup, keyBytes: c.keyBytes, valueBytes: c.valueBytes, bytes: c.bytes)
                let line = try? renderer?.line(keyGroup: c.keyGroup, keyAfterPrefix: Array(c.key.dropFirst(prefix)),
                                               value: c.value ?? [])
                if let line, case let .object(fields)? = JSONValue.parse(line) {
                    e.key = fields["key"].map(RenderedJSON.init)
                    e.namespace = fields["namespace"].map(RenderedJSON.init)
                    e.userKey = fields["userKey"].map(RenderedJSON.init)
                }
                return e
            }
            // Largest first; equal sizes in key-group, then key order, so the list does not depend on the walk.
            let largest = tally.largest.sorted { $0.ranks(above: $1) }
            let nearLimit = tally.nearLimit.sorted {
                $0.keyGroup != $1.keyGroup ? $0.keyGroup < $1.keyGroup : $0.key.lexicographicallyPrecedes($1.key)
            }
            return SizeReport.State(
                name: name, kind: KeyedStateKind(metaInfo: proxyStates[i]).rawValue, entries: tally.entries,
                keyBytes: tally.keyBytes, valueBytes: tally.valueBytes, bytes: tally.keyBytes + tally.valueBytes,
                keyGroupSkew: SizeReport.Skew(tally.perKeyGroup), subtaskSkew: SizeReport.Skew(tally.perSubtask),
                subtaskBytes: tally.perSubtask,
                largest: largest.map(entry), nearMergeLimit: nearLimit.map(entry),
                ttlAge: tally.ttl.map { _ in TTLAges.buckets(entries: tally.ageEntries, bytes: tally.ageBytes) })
        }
    }
}

extension SizeReport.Subtask {
    init(_ index: Int, _ state: OperatorSubtaskState, claims: [SizeLedger.Claim]) {
        self.index = index
        func sum(_ bucket: SizeLedger.Bucket) -> Int64 { claims.filter { $0.bucket == bucket && !$0.inMetadata }.reduce(0) { $0 + $1.bytes } }
        keyedBytes = sum(.keyed)
        operatorBytes = sum(.operatorState)
        channelBytes = sum(.channel)
        bytes = keyedBytes + operatorBytes + channelBytes
        keyGroups = state.managedKeyedState.map {
            InspectReport.KeyGroups(start: $0.keyGroupRange.startKeyGroup, end: $0.keyGroupRange.endKeyGroup)
        }
        let keyedClaims = claims.filter { $0.bucket == .keyed }
        if keyedClaims.contains(where: { $0.part != nil }) {
            keyedFiles = keyedClaims.map { SizeReport.Part(name: $0.part ?? "stream", bytes: $0.bytes, inMetadata: $0.inMetadata) }
        } else if case let .keyGroups(h)? = state.managedKeyedState, state.rawKeyedState == nil,
                  keyedClaims.count == 1, !keyedClaims[0].inMetadata, let split = Self.split(h.offsets, streamBytes: keyedBytes) {
            keyedHeaderBytes = split.header
            keyGroupBytes = split.keyGroups
        }
    }

    /// A canonical stream's bytes by key group from the handle's offsets (the start of each key
    /// group's block; 0 for a key group the heap backend wrote nothing for, as its snapshot leaves
    /// the offset of an empty key group unset); nil when the offsets do not fit the stream.
    static func split(_ offsets: [Int64], streamBytes: Int64) -> (header: Int64, keyGroups: [Int64])? {
        let starts = offsets.filter { $0 > 0 }
        guard let first = starts.first, zip(starts, starts.dropFirst()).allSatisfy({ $0 <= $1 }),
              starts.last! <= streamBytes else { return nil }
        var groups = [Int64](repeating: 0, count: offsets.count)
        var end = streamBytes
        for i in offsets.indices.reversed() where offsets[i] > 0 {
            groups[i] = end - offsets[i]
            end = offsets[i]
        }
        return (first, groups)
    }
}
