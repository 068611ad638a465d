/// Why an operator's keyed state cannot be moved to another max parallelism.
public enum RekeyError: Error, CustomStringConvertible, Equatable {
    /// The key type's Java `hashCode()` is not defined by its bytes (POJO, enum, Kryo, `*Value`).
    case unhashableKey(type: String)
    /// A priority-queue state whose elements are not Flink's timers: where the key sits is unknown.
    case unknownQueueElement(state: String, type: String)
    /// A key whose hash does not give the key group Flink stored it in: the hash would misplace
    /// every key, so nothing is moved.
    case storedKeyGroupDiffers(state: String, stored: Int, computed: Int)
    /// A max parallelism Flink does not accept (`KeyGroupRangeAssignment.checkParallelismPreconditions`).
    case invalidMaxParallelism(Int, parallelism: Int)
    /// Raw keyed state (legacy heap timers) is user-defined bytes: it cannot be re-keyed.
    case rawKeyedState

    public var description: String {
        switch self {
        case let .unhashableKey(type):
            return "keys of type \(type) cannot be re-assigned to key groups: their Java hashCode is not defined by their bytes "
                + "(only String, boxed primitives, and Flink's Tuple and Row of such fields are)"
        case let .unknownQueueElement(state, type):
            return "priority-queue state '\(state)' holds \(type), not Flink's timers: its key cannot be found"
        case let .storedKeyGroupDiffers(state, stored, computed):
            return "state '\(state)': a key stored in key group \(stored) hashes to key group \(computed); "
                + "re-keying would misplace keys"
        case let .invalidMaxParallelism(n, parallelism):
            return "max parallelism \(n) is not allowed: Flink accepts \(max(1, parallelism))...\(KeyGroupAssigner.upperBoundMaxParallelism) "
                + "(at least the operator's parallelism \(parallelism))"
        case .rawKeyedState:
            return "raw keyed state (user-defined bytes per key group) cannot be re-keyed"
        }
    }
}
