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
        guard let (reader, file) = SalvagingReaders.open(handle, of: op, subtask: subtask, in: savepoint, log: log) else { return }
        let proxy = reader.proxy
        let schemas = proxy.states.map { KeyedStateSchema(metaInfo: $0, keySerializer: proxy.keySerializer) }
        // Each key group renders into lines of its own first: counted against --limit only when printed.
        var unlimited = filter
        unlimited.limit = nil
        guard let probe = KeyedLines(schemas: schemas, operatorName: op.displayName, filter: unlimited, output: output)
        else { return }
        let renderers = probe.keyJSON == nil ? probe.directRenderers() : schemas.map { _ in nil }
        let prefixBytes = FlinkHashing.keyGroupPrefixBytes(maxParallelism: reader.maxParallelism)
        var scratch: [UInt8] = []
        let limit = filter.limit
        try reader.forEachKeyGroup { group in
            let rendered = JSONLinesOutput.inMemory()
            do {
                let lines = KeyedLines(schemas: schemas, operatorName: op.displayName, filter: unlimited, output: rendered)!
                for i in 0..<group.count {
                    let e = group.entry(i)
                    var raw = CanonicalKeyGroupBlock.RawEntry(
                        stateIndex: e.stateIndex, keyGroup: group.keyGroup,
                        keyAfterPrefix: ByteReader(Array(e.key[prefixBytes...])), value: ByteReader(e.value))
                    try lines.emit(&raw, renderer: renderers[e.stateIndex], scratch: &scratch)
                }
                try rendered.flush()
            } catch {
                SalvageContext(operatorName: op.displayName, subtask: subtask, log: log)
                    .skip(file: file, keyGroups: group.keyGroup...group.keyGroup, byteOffset: nil, error: error)
                return
            }
            for line in rendered.collected.split(separator: 0x0A) {
                if let limit, output.lineCount >= limit { throw LimitReached() }
                try output.line { $0.append(contentsOf: line) }
            }
        }
    }
}
