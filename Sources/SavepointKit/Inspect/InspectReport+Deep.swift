import CanonicalFormat
import SavepointMetadata

extension InspectReport.Operator {
    /// `inspect --deep`: reads every keyed entry, in any form, through the readers `convert` uses
    /// (the LSM form merged, so tombstones and overwrites are gone), and counts per state the
    /// entries and the bytes of their canonical keys and values.
    mutating func countEntries(_ op: OperatorState, in savepoint: Savepoint) throws {
        var entries: [String: Int64] = [:]
        var bytes: [String: Int64] = [:]
        for handle in op.subtaskStates.compactMap(\.state?.managedKeyedState) {
            let reader = try RawKeyedStateReaders.open(handle, of: op, in: savepoint)
            let names = reader.proxy.states.map(\.name)
            try reader.forEachKeyGroup { group in
                for slot in group.slots {
                    let name = names[Int(slot.stateIndex)]
                    entries[name, default: 0] += 1
                    bytes[name, default: 0] += Int64(slot.keyCount) + Int64(slot.valueCount)
                }
            }
        }
        for i in states.indices where !states[i].kind.hasPrefix("operator") && states[i].kind != "broadcast" {
            states[i].entries = entries[states[i].name] ?? 0
            states[i].size = bytes[states[i].name] ?? 0
        }
        if var families = columnFamilies {
            for i in families.indices {
                families[i].liveEntries = families[i].state.map { entries[$0] ?? 0 } ?? 0
            }
            columnFamilies = families
        }
    }
}
