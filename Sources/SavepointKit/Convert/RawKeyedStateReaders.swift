import CanonicalFormat
import SavepointMetadata

/// Opens the raw reader for a keyed state handle of any form.
enum RawKeyedStateReaders {
    static func open(_ handle: KeyedStateHandle, of op: OperatorState, in savepoint: Savepoint) throws -> any RawKeyedStateReader {
        switch handle {
        case .keyGroups:
            return KeyedStateStreamRawReader(stream: try savepoint.openKeyedStream(handle, of: op), keyGroupRange: handle.keyGroupRange)
        case let .incrementalRemote(h):
            return try LSMConversion.reader(h, of: op, in: savepoint)
        default:
            throw SavepointError.unsupported("operator \(op.displayName) keeps its keyed state in changelog handles, which cannot be converted yet")
        }
    }
}
