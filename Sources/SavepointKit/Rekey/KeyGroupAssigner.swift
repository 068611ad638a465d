import Bytes
import CanonicalFormat
import FlinkSerialization

/// The key group of a keyed state entry, computed from its canonical key the way Flink assigns
/// it (`KeyGroupRangeAssignment.assignToKeyGroup`: `MathUtils.murmurHash(key.hashCode()) %
/// maxParallelism`), for each state of one serialization proxy.
///
/// The key sits right after the key-group prefix in every keyed state entry (key, namespace, map
/// user key: `CompositeKeySerializationUtils`), and after the 8-byte timestamp in a timer
/// (`TimerSerializer`: timestamp, key, namespace).
public struct KeyGroupAssigner: Sendable {
    /// `KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM`.
    public static let upperBoundMaxParallelism = 1 << 15

    let hashes: [KeyHash]
    let keyOffsets: [Int]
    let stateNames: [String]

    /// Throws `RekeyError` when a state's key cannot be hashed from its bytes.
    public init(proxy: KeyedBackendSerializationProxy) throws {
        let keyHash = try KeyHash(proxy.keySerializer)
        var hashes: [KeyHash] = [], offsets: [Int] = []
        for state in proxy.states {
            if state.backendStateType == .priorityQueue {
                guard let element = state.valueSerializer, case .composite(let c) = element.payload,
                      c.type == .timer, let key = c.nested.first else {
                    throw RekeyError.unknownQueueElement(
                        state: state.name, type: state.valueSerializer.map(KeyHash.typeName) ?? "no serializer")
                }
                hashes.append(try KeyHash(key))
                offsets.append(8)
            } else {
                hashes.append(keyHash)
                offsets.append(0)
            }
        }
        self.hashes = hashes
        keyOffsets = offsets
        stateNames = proxy.states.map(\.name)
    }

    /// The Java hash code of the key of an entry of state `stateIndex`.
    @inline(__always)
    public func keyHashCode(stateIndex: Int, keyAfterPrefix: UnsafeBufferPointer<UInt8>) throws -> Int32 {
        guard stateIndex >= 0, stateIndex < hashes.count else {
            throw FormatError(offset: 0, "expected a state index below \(hashes.count), found \(stateIndex)")
        }
        var at = keyOffsets[stateIndex]
        guard at <= keyAfterPrefix.count else {
            throw FormatError(offset: keyAfterPrefix.count, "expected a timer's 8-byte timestamp before its key")
        }
        return try hashes[stateIndex].hashCode(keyAfterPrefix, at: &at)
    }

    /// The key group of an entry of state `stateIndex` under `maxParallelism`.
    @inline(__always)
    public func keyGroup(stateIndex: Int, keyAfterPrefix: UnsafeBufferPointer<UInt8>, maxParallelism: Int) throws -> Int {
        FlinkHashing.keyGroup(forHashCode: try keyHashCode(stateIndex: stateIndex, keyAfterPrefix: keyAfterPrefix),
                              maxParallelism: maxParallelism)
    }

    /// `KeyGroupRangeAssignment.computeOperatorIndexForKeyGroup`: the subtask that owns a key group.
    public static func subtask(ofKeyGroup keyGroup: Int, maxParallelism: Int, parallelism: Int) -> Int {
        keyGroup * parallelism / maxParallelism
    }

    /// Throws unless Flink accepts `maxParallelism` for an operator of `parallelism` subtasks.
    public static func check(maxParallelism: Int, parallelism: Int) throws {
        guard maxParallelism >= 1, maxParallelism <= upperBoundMaxParallelism, parallelism <= maxParallelism else {
            throw RekeyError.invalidMaxParallelism(maxParallelism, parallelism: parallelism)
        }
    }
}
