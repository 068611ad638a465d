import CanonicalFormat
import SavepointMetadata

/// `--drop-state`: the states leave the meta information and their entries the key groups; the
/// states after a dropped one move down, and so do their entries' indexes (entries refer to
/// states by index: `kvStateId` in canonical streams, the column family in the LSM form).
struct DropStatesStage: KeyedEntryStage {
    let names: Set<String>

    func bound(to input: KeyedBackendSerializationProxy, keyGroupPrefixBytes: Int) throws -> BoundEntryStage {
        var next = 0
        let newIndex: [Int?] = input.states.map { state in
            guard !names.contains(state.name) else { return nil }
            defer { next += 1 }
            return next
        }
        var out = input
        out.states.removeAll { names.contains($0.name) }
        return BoundEntryStage(proxy: out) { stateIndex, _, _ in
            guard stateIndex < newIndex.count else {
                throw SavepointError.unsupported("an entry of state index \(stateIndex), but the meta information has \(newIndex.count) states")
            }
            return newIndex[stateIndex]
        }
    }
}

/// `--rename-state` through the pipeline (the LSM form, or any operator being rewritten entry by
/// entry): only the meta information changes; entries keep their indexes.
struct RenameStatesStage: KeyedEntryStage {
    let renames: [String: String]

    func bound(to input: KeyedBackendSerializationProxy, keyGroupPrefixBytes: Int) throws -> BoundEntryStage {
        var out = input
        for k in out.states.indices {
            if let new = renames[out.states[k].name] { out.states[k].name = new }
        }
        return BoundEntryStage(proxy: out)
    }
}
