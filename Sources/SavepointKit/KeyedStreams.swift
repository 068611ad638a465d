import Bytes
import CanonicalFormat
import SavepointMetadata

/// Opens the keyed state stream behind a keyed state handle, in whichever layout it uses.
enum KeyedStreams {
    static func open(_ handle: KeyedStateHandle, of op: OperatorState, in savepoint: Savepoint) throws -> KeyedStateStream {
        switch handle {
        case let .keyGroups(h):
            let source = try savepoint.openStream(h.delegate)
            // Tag 7 (savepoint handles) is always the canonical layout; checkpoints' tags 3/12 may
            // be either (RocksDB full checkpoints are canonical, heap ones are not).
            let layout: KeyedStateStream.Layout? = h.kind == .savepoint ? .canonical : nil
            return try attributing(to: source.name) {
                try KeyedStateStream(source: source, startKeyGroup: h.keyGroupRange.startKeyGroup, offsets: h.offsets,
                                     maxParallelism: op.maxParallelism, layout: layout)
            }
        case .incrementalRemote:
            throw SavepointError.unsupported(
                "operator \(op.displayName) keeps its keyed state in the LSM (RocksDB native) form, which has no single stream; open it with `Savepoint.openLSMState`")
        case .changelogBackend, .changelogInMemory, .changelogStream:
            throw SavepointError.unsupported(
                "operator \(op.displayName) keeps its keyed state in changelog handles, which this version cannot read yet")
        }
    }
}

extension Savepoint {
    /// The keyed state stream behind `handle` (canonical or heap layout).
    public func openKeyedStream(_ handle: KeyedStateHandle, of op: OperatorState) throws -> KeyedStateStream {
        try KeyedStreams.open(handle, of: op, in: self)
    }
}
