import CanonicalFormat
import FlinkSerialization
import SavepointMetadata

/// `--purge-expired-ttl`: entries of TTL states whose last-access timestamp + the TTL is at or
/// before `now` leave the savepoint (Flink's `TtlUtils.expired`), as Flink's own cleanup would drop
/// them on access. The TTL is not in the savepoint (it lives in the job's `StateTtlConfig`): the
/// user gives it per state.
///
/// Where the timestamp is (`TtlStateFactory.TtlSerializer` writes it first, a big-endian long):
/// a value state's value starts with it; a map state's value is the null flag
/// (`MapSerializer` in RocksDB's layout) and then the TTL value. A list state's elements each carry
/// one; purging single elements is not built yet.
struct TTLPurgeStage: KeyedEntryStage {
    /// TTL in milliseconds by state name.
    let ttl: [String: Int64]
    /// Milliseconds since the epoch.
    let now: Int64

    enum Layout { case value, map }

    func bound(to input: KeyedBackendSerializationProxy, keyGroupPrefixBytes: Int) throws -> BoundEntryStage {
        let purges: [(layout: Layout, ttl: Int64)?] = try input.states.map { meta in
            guard let ttl = ttl[meta.name] else { return nil }
            guard let layout = try Self.layout(of: meta, keySerializer: input.keySerializer) else {
                throw SavepointError.unsupported("--purge-expired-ttl: state \(meta.name) holds no TTL values in this subtask")
            }
            return (layout, ttl)
        }
        let now = self.now
        return BoundEntryStage(proxy: input) { stateIndex, _, value in
            guard stateIndex < purges.count, let purge = purges[stateIndex] else { return stateIndex }
            let at = purge.layout == .map ? 1 : 0
            if purge.layout == .map, value.first != 0 { return stateIndex }   // a null map value
            guard value.count >= at + 8 else {
                throw SavepointError.unsupported("a TTL value of state \(input.states[stateIndex].name) shorter than its timestamp")
            }
            var timestamp: Int64 = 0
            for i in at..<(at + 8) { timestamp = timestamp << 8 | Int64(value[i]) }
            let (expiry, overflow) = timestamp.addingReportingOverflow(purge.ttl)
            return !overflow && expiry <= now ? nil : stateIndex
        }
    }

    /// Where the TTL timestamp of the state's entries is; nil: the state has no TTL values.
    /// Throws for a list of TTL elements (not built yet).
    static func layout(of meta: StateMetaInfoSnapshot, keySerializer: SerializerSnapshot) throws -> Layout? {
        let schema = KeyedStateSchema(metaInfo: meta, keySerializer: keySerializer)
        switch schema.kind {
        case .map: return schema.elementSerializer is TtlSerializer ? .map : nil
        case .list:
            guard schema.elementSerializer is TtlSerializer else { return nil }
            throw SavepointError.unsupported("--purge-expired-ttl: \(meta.name) is a list of TTL elements; purging single elements is not built yet")
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
