import CanonicalFormat
import SavepointMetadata

/// Opens the raw reader for a keyed state handle of any form.
enum RawKeyedStateReaders {
    /// `storedOrder`: key groups of a canonical stream may come in their stored order, grouped by
    /// state (`KeyedStateStreamRawReader.keepsStoredOrder`; for a canonical writer only).
    static func open(_ handle: KeyedStateHandle, of op: OperatorState, in savepoint: Savepoint,
                     storedOrder: Bool = false) throws -> any RawKeyedStateReader {
        switch handle {
        case .keyGroups:
            var reader = KeyedStateStreamRawReader(stream: try savepoint.openKeyedStream(handle, of: op), keyGroupRange: handle.keyGroupRange)
            reader.keepsStoredOrder = storedOrder
            return reader
        case let .incrementalRemote(h):
            return try LSMConversion.reader(h, of: op, in: savepoint)
        default:
            throw SavepointError.unsupported("operator \(op.displayName) keeps its keyed state in changelog handles, which cannot be converted yet")
        }
    }
}
