import LSMFormat
import SavepointMetadata

/// `dump` on every core: subtasks, and the states of a RocksDB instance (one column family each),
/// are rendered side by side and written in the order `dump` prints them in turn
/// (`OrderedChunkWriter`), so the output is the same byte for byte.
extension Dumper {
    func writeSideBySide(into output: JSONLinesOutput) throws {
        let width = jobs ?? ParallelJobs.defaultWidth
        var pieces: [OrderedChunkWriter.Piece] = []
        var openInstances = 0
        for op in savepoint.metadata.operatorStates where filter.wants(op) {
            var broadcastSeen = Set<String>()
            for entry in op.subtaskStates {
                guard let state = entry.state else { continue }
                if leavesOut(entry.subtaskIndex, state, broadcastSeen: &broadcastSeen) { continue }
                if case let .incrementalRemote(h)? = state.managedKeyedState {
                    pieces += lsmPieces(h, of: op)
                    // An open instance holds a file per table: a few at a time.
                    openInstances += 1
                    if openInstances >= width {
                        try OrderedChunkWriter.write(pieces, into: output, width: width)
                        pieces = []
                        openInstances = 0
                    }
                } else if let keyed = state.managedKeyedState {
                    pieces.append { output in
                        var dumper = self
                        try dumper.dumpKeyed(keyed, of: op, into: output)
                    }
                }
                if let handle = state.managedOperatorState {
                    let partitions = operatorPartitions(handle, broadcastSeen: &broadcastSeen)
                    let subtask = entry.subtaskIndex
                    pieces.append { try self.dumpOperatorState(handle, partitions, of: op, subtask: subtask, into: $0) }
                }
            }
        }
        try OrderedChunkWriter.write(pieces, into: output, width: width)
    }

    /// One piece per state of the instance, in state order; an instance that does not open is a
    /// piece that throws its error, in its place.
    func lsmPieces(_ h: IncrementalRemoteKeyedStateHandle, of op: OperatorState) -> [OrderedChunkWriter.Piece] {
        let db: FlinkRocksDBState
        do {
            db = try LSMKeyedState.open(h, of: op, in: savepoint)
        } catch {
            return [{ _ in throw error }]
        }
        return db.schemas.indices.map { stateIndex in
            { try self.dumpLSM(db, onlyState: stateIndex, of: op, into: $0) }
        }
    }
}
