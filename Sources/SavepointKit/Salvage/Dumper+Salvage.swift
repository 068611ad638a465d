import Bytes
import CanonicalFormat
import FlinkSerialization
import SavepointMetadata

/// `dump --skip-corrupt`: keyed state goes through the salvaging readers key group by key group,
/// and a key group is printed only when all of it reads and renders, so a lost key group has no
/// lines at all (its entries before the damage included).
extension Dumper {
    mutating func dumpKeyedSalvaging(_ handle: KeyedStateHandle, of op: OperatorState, subtask: Int,
                                     log: SalvageLog, into output: JSONLinesOutput) throws {
        // Entries print in stored order, as in the usual dump: no sorting.
        guard let (reader, file) = SalvagingReaders.open(handle, of: op, subtask: subtask, in: savepoint, log: log,
                                                         sorted: false) else { return }
        let proxy = reader.proxy
        let schemas = proxy.states.map { KeyedStateSchema(metaInfo: $0, keySerializer: proxy.keySerializer) }
        // Each key group renders into `staged` (in memory) first and goes out only when all of it
        // rendered; only then do its lines count against --limit.
        var unlimited = filter
        unlimited.limit = nil
        let staged = JSONLinesOutput.inMemory()
        guard let lines = KeyedLines(schemas: schemas, operatorName: op.displayName, filter: unlimited, output: staged)
        else { return }
        let renderers = lines.keyJSON == nil ? lines.directRenderers() : schemas.map { _ in nil }
        let prefixBytes = FlinkHashing.keyGroupPrefixBytes(maxParallelism: reader.maxParallelism)
        var scratch: [UInt8] = []
        try withExtendedLifetime(renderers) {
            try reader.forEachKeyGroup { group in
                do {
                    try group.forEach { stateIndex, key, value in
                        guard lines.wants(stateIndex) else { return }
                        let keyAfterPrefix = UnsafeBufferPointer(rebasing: key[prefixBytes...])
                        // In place when the renderer has a simple form for the entry, as the usual dump.
                        if let renderer = renderers[stateIndex], try renderer.withSimpleLine(
                            key: keyAfterPrefix, value: value, { line in try staged.line { $0.append(contentsOf: line) } }) {
                            return
                        }
                        var raw = CanonicalKeyGroupBlock.RawEntry(
                            stateIndex: stateIndex, keyGroup: group.keyGroup,
                            keyAfterPrefix: ByteReader(Array(keyAfterPrefix)), value: ByteReader(Array(value)))
                        try lines.emit(&raw, renderer: renderers[stateIndex], scratch: &scratch)
                    }
                } catch {
                    staged.buffer.removeAll(keepingCapacity: true)
                    staged.collected.removeAll(keepingCapacity: true)
                    SalvageContext(operatorName: op.displayName, subtask: subtask, log: log)
                        .skip(file: file, keyGroups: group.keyGroup...group.keyGroup, byteOffset: nil, error: error)
                    return
                }
                try staged.flush()
                try copyLines(staged.collected, to: output)
                staged.collected.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Writes staged lines out: at once, or with --limit one by one so that it stops at the right one.
    private func copyLines(_ staged: [UInt8], to output: JSONLinesOutput) throws {
        guard !staged.isEmpty else { return }
        guard let limit = filter.limit else {
            return try output.line { $0.append(contentsOf: staged[..<(staged.count - 1)]) }
        }
        var start = 0
        for end in staged.indices where staged[end] == 0x0A {
            if output.lineCount >= limit { throw LimitReached() }
            try output.line { $0.append(contentsOf: staged[start..<end]) }
            start = end + 1
        }
    }
}
