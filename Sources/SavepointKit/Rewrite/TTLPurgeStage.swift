import Bytes
import CanonicalFormat
import FlinkSerialization
import Foundation
import SavepointMetadata

/// `--purge-expired-ttl`: entries of TTL states whose last-access timestamp + the TTL is at or
/// before `now` leave the savepoint (Flink's `TtlUtils.expired`), as Flink's own cleanup would drop
/// them on access. The TTL is not in the savepoint (it lives in the job's `StateTtlConfig`): the
/// user gives it per state.
///
/// Where the timestamp is (`TtlStateFactory.TtlSerializer` writes it first, a big-endian long):
/// a value state's value starts with it; a map state's value is the null flag
/// (`MapSerializer` in RocksDB's layout) and then the TTL value. A list state's elements each carry
/// one (`TtlListState`): the expired elements leave the list (its canonical value: elements joined
/// by the 0x2C delimiter, as `ListDelimitedSerializer` writes them), and the entry leaves with its
/// last element, as `TtlListState` drops an empty list on access.
struct TTLPurgeStage: KeyedEntryStage {
    /// TTL in milliseconds by state name.
    let ttl: [String: Int64]
    /// Milliseconds since the epoch.
    let now: Int64
    /// List elements dropped per state name, over every subtask (entries dropped whole are the
    /// pipeline's tally).
    let elementsDropped = ElementCount()

    enum Layout {
        case value, map
        /// A list of TTL elements, read with the element serializer to find where each ends.
        case list(TtlSerializer)
    }

    func bound(to input: KeyedBackendSerializationProxy, keyGroupPrefixBytes: Int) throws -> BoundEntryStage {
        let purges: [(layout: Layout, ttl: Int64)?] = try input.states.map { meta in
            guard let ttl = ttl[meta.name] else { return nil }
            guard let layout = try Self.layout(of: meta, keySerializer: input.keySerializer) else {
                throw SavepointError.unsupported("--purge-expired-ttl: state \(meta.name) holds no TTL values in this subtask")
            }
            return (layout, ttl)
        }
        let now = self.now, elements = elementsDropped
        func expired(_ timestamp: Int64, _ ttl: Int64) -> Bool {
            let (expiry, overflow) = timestamp.addingReportingOverflow(ttl)
            return !overflow && expiry <= now
        }
        // A list's kept elements: set by the route, handed on by the transform (run right after the
        // routes, for the same entry, in the one thread that reads this subtask).
        let shortened = ListBox()
        let route: BoundEntryStage.Route = { stateIndex, _, value in
            shortened.value = nil
            guard stateIndex < purges.count, let purge = purges[stateIndex] else { return stateIndex }
            let at: Int
            switch purge.layout {
            case .value: at = 0
            case .map:
                if value.first != 0 { return stateIndex }   // a null map value
                at = 1
            case let .list(element):
                let name = input.states[stateIndex].name
                var dropped: Int64 = 0
                guard let kept = try Self.unexpired(value, element, state: name, {
                    let due = expired($0, purge.ttl)
                    if due { dropped += 1 }
                    return due
                }) else {
                    return stateIndex
                }
                elements.add(dropped, to: name)
                if kept.isEmpty { return nil }
                shortened.value = kept
                return stateIndex
            }
            guard value.count >= at + 8 else {
                throw SavepointError.unsupported("a TTL value of state \(input.states[stateIndex].name) shorter than its timestamp")
            }
            var timestamp: Int64 = 0
            for i in at..<(at + 8) { timestamp = timestamp << 8 | Int64(value[i]) }
            return expired(timestamp, purge.ttl) ? nil : stateIndex
        }
        let lists = purges.contains { if case .list? = $0?.layout { true } else { false } }
        return BoundEntryStage(proxy: input, route: route, transform: lists ? { _, _ in shortened.value } : nil)
    }

    final class ListBox: @unchecked Sendable { var value: [UInt8]? }

    /// Counts by state name, shared by the subtasks' readers.
    final class ElementCount: @unchecked Sendable {
        private let lock = NSLock()
        private var counts: [String: Int64] = [:]
        func add(_ n: Int64, to state: String) { lock.withLock { counts[state, default: 0] += n } }
        var byState: [String: Int64] { lock.withLock { counts } }
    }

    /// A list value without its expired elements: nil when none expired, empty when all did.
    static func unexpired(_ value: UnsafeBufferPointer<UInt8>, _ element: TtlSerializer, state: String,
                          _ isExpired: (Int64) -> Bool) throws -> [UInt8]? {
        var r = ByteReader(Array(value))
        var kept: [UInt8] = []
        var dropped = false
        while !r.isAtEnd {
            if r.position > 0 {
                let d = try r.readU8("a list delimiter")
                guard d == KeyedStateSchema.listDelimiter else {
                    throw FormatError(offset: r.position - 1, "expected the list delimiter 0x2C between elements of state \(state), found 0x\(String(d, radix: 16))")
                }
            }
            let start = r.position
            guard case let .ttl(timestamp, _) = try element.read(from: &r) else {
                throw FormatError(offset: start, "expected a TTL element of state \(state)")
            }
            if isExpired(timestamp) {
                dropped = true
            } else {
                if !kept.isEmpty { kept.append(KeyedStateSchema.listDelimiter) }
                kept += value[start..<r.position]
            }
        }
        return dropped ? kept : nil
    }

    /// Where the TTL timestamp of the state's entries is; nil: the state has no TTL values.
    /// Throws for a list whose elements cannot be told apart (an opaque element type reads to the
    /// end of the value).
    static func layout(of meta: StateMetaInfoSnapshot, keySerializer: SerializerSnapshot) throws -> Layout? {
        let schema = KeyedStateSchema(metaInfo: meta, keySerializer: keySerializer)
        switch schema.kind {
        case .map: return schema.elementSerializer is TtlSerializer ? .map : nil
        case .list:
            guard let element = schema.elementSerializer as? TtlSerializer else { return nil }
            guard !element.readsToEnd else {
                throw SavepointError.unsupported("--purge-expired-ttl: \(meta.name) is a list of TTL elements of an opaque type (\(type(of: element.user))), whose ends cannot be found without the job's classes")
            }
            return .list(element)
        case .timer: return nil
        default: return schema.stateSerializer is TtlSerializer ? .value : nil
        }
    }

    /// `3650d`, `36h`, `15min`, `30s`, `500ms` (or `15m`) in milliseconds.
    static func duration(_ text: String, option: String) throws -> Int64 {
        let units: [(String, Int64)] = [("ms", 1), ("min", 60_000), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (unit, factor) in units where text.hasSuffix(unit) {
            if let n = Int64(text.dropLast(unit.count)), n >= 0 {
                let (ms, overflow) = n.multipliedReportingOverflow(by: factor)
                if !overflow { return ms }
            }
            break
        }
        throw SavepointError.usage("\(option): \(text) is not a duration; give a number and a unit: ms, s, min, h or d (e.g. 3650d, 36h)")
    }
}
