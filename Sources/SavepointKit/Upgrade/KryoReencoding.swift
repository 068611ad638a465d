import CanonicalFormat
import Bytes
import FlinkSerialization
import Foundation
import SavepointMetadata

/// States Flink 1.x and 2.x both serialize with Kryo (a `Types.GENERIC` of a JDK class, say
/// `ArrayList` or `HashMap`): the `KryoSerializerSnapshot` is the same in both, byte for byte
/// (`fixtures/README.md`), but the data is Kryo 2.24's, which Flink 2's Kryo 5 does not read. Each
/// value is decoded (`KryoDecoding.decodeObject`, Kryo 2.24) and written as Kryo 5 writes it
/// (`KryoWriter`); the snapshot stays. A value with a class Kryo writes field by field (a user
/// class) or with a serializer of its own cannot be re-encoded: `upgrade` reads these states once
/// before writing (`refusals`) and refuses them by state, type and reason.
///
/// Value, reducing and aggregating state whose value serializer is the Kryo one (the value is the
/// Kryo bytes, nothing around them).
enum KryoReencoding {
    static let kinds = ["value", "reducing", "aggregating"]

    /// A state `upgrade` re-encodes: its operator and name.
    struct Target: Hashable, Sendable {
        var operatorId: String
        var state: String
    }

    /// One value of Kryo 2.24 as Kryo 5.
    static func kryo5(_ value: UnsafeBufferPointer<UInt8>, registrations: KryoRegistrations) throws -> [UInt8] {
        var r = ByteReader(Array(value))
        let object = try KryoDecoding.decodeObject(&r, encoding: .kryo2, registrations: registrations)
        guard r.isAtEnd else { throw r.error("expected the end of the Kryo value, \(r.remaining) bytes left") }
        return try KryoWriter.kryo5(object, registrations: registrations)
    }

    /// Why a value cannot be re-encoded, in the words of the refusal.
    static func reason(_ error: Error) -> String {
        switch error {
        case let stop as KryoDecoding.Undecodable:
            return "a value holds Kryo data of \(stop.className), which has no default serializer the toolkit reads"
                + " (a class written field by field or with its own serializer): it cannot be re-encoded for Kryo 5"
        case let unwritable as KryoWriter.Unwritable:
            return "a value holds \(unwritable.className), which cannot be re-encoded for Kryo 5: \(unwritable.reason)"
        default:
            return "a value does not decode as Kryo 2.24: \(error)"
        }
    }

    /// The stages for `targets`, by operator (`scan`: record what cannot be re-encoded instead of
    /// failing, and keep the values).
    static func stages(_ targets: Set<Target>, in metadata: CheckpointMetadata, scan: Scan? = nil) -> [OperatorID: [any KeyedEntryStage]] {
        var out: [OperatorID: [any KeyedEntryStage]] = [:]
        for op in metadata.operatorStates {
            let names = Set(targets.filter { $0.operatorId == op.operatorID.hex }.map(\.state))
            if !names.isEmpty { out[op.operatorID] = [Stage(operatorId: op.operatorID.hex, states: names, scan: scan)] }
        }
        return out
    }

    /// What a scan found: the first reason each state's values cannot be re-encoded, and how many
    /// values can.
    final class Scan: @unchecked Sendable {
        private let lock = NSLock()
        private var reasons: [Target: String] = [:]
        private var reencoded: Int64 = 0

        func record(_ target: Target, _ reason: String) {
            lock.lock()
            defer { lock.unlock() }
            if reasons[target] == nil { reasons[target] = reason }
        }

        func counted() {
            lock.lock()
            defer { lock.unlock() }
            reencoded += 1
        }

        var refusals: [Target: String] {
            lock.lock()
            defer { lock.unlock() }
            return reasons
        }

        var entries: Int64 {
            lock.lock()
            defer { lock.unlock() }
            return reencoded
        }
    }

    /// The value stage: each value of the named states from Kryo 2.24 to Kryo 5; the meta
    /// information (and so the `KryoSerializerSnapshot`) unchanged.
    struct Stage: KeyedEntryStage {
        let operatorId: String
        let states: Set<String>
        let scan: Scan?

        func bound(to input: KeyedBackendSerializationProxy, keyGroupPrefixBytes: Int) throws -> BoundEntryStage {
            var byIndex: [Int: (name: String, registrations: KryoRegistrations)] = [:]
            for (i, meta) in input.states.enumerated() where states.contains(meta.name) {
                guard let s = meta.serializers.first(where: { $0.key == "VALUE_SERIALIZER" }), case .kryo(let k) = s.snapshot.payload else {
                    throw MigrationRefusal(path: meta.name, reason: "this subtask stores no Kryo value serializer for it")
                }
                byIndex[i] = (meta.name, KryoRegistrations(snapshot: k))
            }
            let table = byIndex, scan = scan, operatorId = operatorId
            return BoundEntryStage(proxy: input, transform: { stateIndex, value in
                guard let state = table[stateIndex] else { return nil }
                do {
                    let bytes = try KryoReencoding.kryo5(value, registrations: state.registrations)
                    scan?.counted()
                    return bytes
                } catch {
                    guard let scan else { throw MigrationRefusal(path: state.name, reason: KryoReencoding.reason(error)) }
                    scan.record(Target(operatorId: operatorId, state: state.name), KryoReencoding.reason(error))
                    return nil
                }
            })
        }
    }
}
