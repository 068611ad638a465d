import Bytes
import CanonicalFormat

extension KeyedStateDiff {
    /// What identifies an entry across max parallelism: its state and its canonical key without the
    /// key-group prefix (or, where the serializers differ, its rendered key, namespace and user key).
    struct SpilledKey: Hashable {
        var state: Int
        var id: ArraySlice<UInt8>
    }

    /// The max parallelism differs, so a key sits in another key group (and the prefix may have
    /// another width) on each side. Both sides are spilled into partitions by a hash of what
    /// identifies each entry (`SpillFiles`), and each partition of OLD is held in memory while
    /// NEW's streams past: memory is a partition, about `partitionBudget`, whatever the state's size.
    func compareByKey(_ oldRenderers: [DiffEntryRenderer?], _ newRenderers: [DiffEntryRenderer?],
                      into counts: inout [StateDifference]) throws {
        // Canonical bytes may be several times the stored (compressed) size.
        // At most 256 per side: each is an open file and a write buffer.
        let partitions = Int(min(256, 4 * (old.stateSize + new.stateSize) / max(1, partitionBudget) + 1))
        let oldSpill = try SpillFiles(partitions: partitions, label: "diff-old", in: spillDirectory)
        defer { oldSpill.remove() }
        let newSpill = try SpillFiles(partitions: partitions, label: "diff-new", in: spillDirectory)
        defer { newSpill.remove() }
        try spill(old, oldRenderers, into: oldSpill) { counts[$0].oldBytes += $1 }
        try spill(new, newRenderers, into: newSpill) { counts[$0].newBytes += $1 }
        for p in 0..<partitions {
            let (ob, olds) = try oldSpill.read(p)
            var index: [SpilledKey: Int] = [:]
            index.reserveCapacity(olds.count)
            for (i, r) in olds.enumerated() { index[SpilledKey(state: r.state, id: ob[r.id])] = i }
            var matched = [Bool](repeating: false, count: olds.count)
            let (nb, news) = try newSpill.read(p)
            for r in news {
                let s = r.state
                guard let i = index[SpilledKey(state: s, id: nb[r.id])] else {
                    counts[s].added += 1
                    try emitSpilled(.added, r, nb, newRenderers[s], state: s)
                    continue
                }
                matched[i] = true
                let o = olds[i]
                let same = sameBytes[s] ? ob[o.payload] == nb[r.payload]
                    : DiffLine.contents(Array(ob[o.payload])) == DiffLine.contents(Array(nb[r.payload]))
                if same {
                    counts[s].unchanged += 1
                } else {
                    counts[s].changed += 1
                    if let entries {
                        let before = try spilledLine(o, ob, oldRenderers[s], state: s)
                        let after = try spilledLine(r, nb, newRenderers[s], state: s)
                        try entries.line { $0 += DiffLine.decorated(after, change: .changed, before: before) }
                    }
                }
            }
            for (i, o) in olds.enumerated() where !matched[i] {
                counts[o.state].removed += 1
                try emitSpilled(.removed, o, ob, oldRenderers[o.state], state: o.state)
            }
        }
    }

    /// Writes every selected entry of one side to `spill`: the key without its prefix and the value
    /// as stored, or the rendered line where the serializers differ; `addBytes` counts each state's bytes.
    private func spill(_ side: KeyedSide, _ renderers: [DiffEntryRenderer?], into spill: SpillFiles,
                       addBytes: (Int, Int64) -> Void) throws {
        let prefix = side.keyGroupPrefixBytes
        for (reader, map) in zip(side.readers, stateOf(side)) {
            try reader.forEachKeyGroup { group in
                try group.forEach { stateIndex, key, value in
                    let s = stateIndex < map.count ? map[stateIndex] : names.count
                    guard s < names.count else { return }
                    addBytes(s, Int64(key.count + value.count))
                    let afterPrefix = UnsafeBufferPointer(rebasing: key[min(prefix, key.count)...])
                    if sameBytes[s] {
                        return try spill.append(state: s, keyGroup: group.keyGroup, id: afterPrefix, payload: value)
                    }
                    let line = try renderers[s]!.line(keyGroup: group.keyGroup, keyAfterPrefix: Array(afterPrefix),
                                                      value: Array(value))
                    try Array(DiffLine.identity(line)).withUnsafeBufferPointer { id in
                        try line.withUnsafeBufferPointer { try spill.append(state: s, keyGroup: group.keyGroup, id: id, payload: $0) }
                    }
                }
            }
        }
        try spill.finishWriting()
    }

    /// The dump line of a spilled entry: rendered from its bytes, or the line itself.
    private func spilledLine(_ r: SpillFiles.Record, _ bytes: [UInt8], _ renderer: DiffEntryRenderer?, state s: Int) throws -> [UInt8] {
        guard sameBytes[s] else { return Array(bytes[r.payload]) }
        return try renderer!.line(keyGroup: r.keyGroup, keyAfterPrefix: Array(bytes[r.id]), value: Array(bytes[r.payload]))
    }

    private func emitSpilled(_ change: DiffChange, _ r: SpillFiles.Record, _ bytes: [UInt8], _ renderer: DiffEntryRenderer?,
                             state s: Int) throws {
        guard let entries else { return }
        let line = try spilledLine(r, bytes, renderer, state: s)
        try entries.line { $0 += DiffLine.decorated(line, change: change) }
    }
}
