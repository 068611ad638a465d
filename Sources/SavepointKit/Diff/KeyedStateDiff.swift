import Bytes
import CanonicalFormat
import Foundation
import SavepointMetadata

/// The entries added, removed, changed and unchanged in one state, and its bytes on each side
/// (keyed state: canonical keys and values; operator state: its partitions in the streams).
public struct StateDifference: Codable, Sendable, Equatable {
    public var `operator`: String
    public var state: String
    public var kind: String
    public var added = 0
    public var removed = 0
    public var changed = 0
    public var unchanged = 0
    public var oldBytes: Int64 = 0
    public var newBytes: Int64 = 0

    public var differs: Bool { added + removed + changed > 0 }
}

/// One operator's keyed state on one side: its subtasks' readers in key-group order.
struct KeyedSide {
    var readers: [any RawKeyedStateReader] = []
    var maxParallelism = 0
    /// Bytes of its handles, as `_metadata` records them.
    var stateSize: Int64 = 0

    init() {}

    init(_ op: OperatorState, in savepoint: Savepoint) throws {
        let handles = op.subtaskStates.compactMap(\.state?.managedKeyedState)
            .sorted { $0.keyGroupRange.startKeyGroup < $1.keyGroupRange.startKeyGroup }
        readers = try handles.map { try RawKeyedStateReaders.open($0, of: op, in: savepoint) }
        maxParallelism = op.maxParallelism
        stateSize = handles.reduce(0) { $0 + $1.stateSize }
    }

    var proxy: KeyedBackendSerializationProxy? { readers.first?.proxy }
    var keyGroupPrefixBytes: Int { FlinkHashing.keyGroupPrefixBytes(maxParallelism: max(maxParallelism, 1)) }
}

/// Compares one operator's keyed state on two sides by walking both one key group at a time:
/// readers of every form give each key group's entries in canonical order, so inside a key group
/// each state is a merge join on the canonical key (its prefix, key, namespace and user key; a
/// timer is all key). Values are compared as bytes where both sides' serializers are the same, and
/// as the dump renders them where they differ (after a schema change), with entries then matched
/// by their rendered key, namespace and user key. When the max parallelism differs, keys sit in
/// other key groups on each side: then both sides are spilled and joined by key instead
/// (`compareByKey`).
struct KeyedStateDiff {
    let operatorName: String
    let old: KeyedSide
    let new: KeyedSide
    /// The states compared (by name), in report order.
    let names: [String]
    /// Each state's schema on each side (nil where the side lacks it).
    let oldSchemas: [KeyedStateSchema?]
    let newSchemas: [KeyedStateSchema?]
    /// Per state: entries may be matched and compared by their bytes.
    let sameBytes: [Bool]
    /// Where differing entries go as lines (`--entries`); nil counts only.
    let entries: JSONLinesOutput?
    /// Comparing by key: bytes of one side's partition held in memory while the other's streams past.
    var partitionBudget: Int64 = 32 << 20
    /// Where spill files go (nil: the system's temporary folder).
    var spillDirectory: URL?

    init(operatorName: String, old: KeyedSide, new: KeyedSide, stateFilter: (String) -> Bool, alwaysRendered: Bool = false,
         entries: JSONLinesOutput?) {
        self.operatorName = operatorName
        self.old = old
        self.new = new
        self.entries = entries
        let oldStates = old.proxy?.states ?? [], newStates = new.proxy?.states ?? []
        var names: [String] = []
        for name in (newStates + oldStates).map(\.name) where stateFilter(name) && !names.contains(name) {
            names.append(name)
        }
        self.names = names
        func schemas(_ side: KeyedSide) -> [KeyedStateSchema?] {
            guard let proxy = side.proxy else { return names.map { _ in nil } }
            return names.map { name in
                proxy.states.first { $0.name == name }.map { KeyedStateSchema(metaInfo: $0, keySerializer: proxy.keySerializer) }
            }
        }
        let oldSchemas = schemas(old), newSchemas = schemas(new)
        self.oldSchemas = oldSchemas
        self.newSchemas = newSchemas
        sameBytes = names.indices.map { i in
            guard let a = old.proxy, let b = new.proxy, let sa = oldSchemas[i], let sb = newSchemas[i] else { return true }
            return !alwaysRendered && a.keySerializer == b.keySerializer && sa.metaInfo == sb.metaInfo
        }
    }

    /// Walks both sides; one `StateDifference` per state in `names`.
    func run() throws -> [StateDifference] {
        var counts = names.indices.map { i in
            StateDifference(operator: operatorName, state: names[i],
                            kind: (newSchemas[i] ?? oldSchemas[i]).map { $0.kind.rawValue } ?? "unknown")
        }
        let oldRenderers = renderers(oldSchemas, old), newRenderers = renderers(newSchemas, new)
        if comparesByKey {
            try compareByKey(oldRenderers, newRenderers, into: &counts)
            return counts
        }
        let oldFeed = feed(old), newFeed = feed(new)
        defer { oldFeed.close(); newFeed.close() }
        var a = try oldFeed.next(), b = try newFeed.next()
        while a != nil || b != nil {
            let ka = a?.keyGroup ?? Int.max, kb = b?.keyGroup ?? Int.max
            let left = ka <= kb ? a : nil, right = kb <= ka ? b : nil
            for s in names.indices {
                try compare(state: s, left, right, oldRenderers[s], newRenderers[s], into: &counts[s])
            }
            if left != nil { a = try oldFeed.next() }
            if right != nil { b = try newFeed.next() }
        }
        return counts
    }

    /// Both sides have keyed state under different max parallelism: key groups do not line up.
    var comparesByKey: Bool {
        !old.readers.isEmpty && !new.readers.isEmpty && old.maxParallelism != new.maxParallelism
    }

    private func renderers(_ schemas: [KeyedStateSchema?], _ side: KeyedSide) -> [DiffEntryRenderer?] {
        schemas.map { s in
            s.map { DiffEntryRenderer(schema: $0, operatorName: operatorName, keyGroupPrefixBytes: side.keyGroupPrefixBytes) }
        }
    }

    /// Each reader's state indexes mapped to `names`; a state left out (`--state`) maps past the end.
    func stateOf(_ side: KeyedSide) -> [[Int]] {
        side.readers.map { reader in reader.proxy.states.map { meta in names.firstIndex(of: meta.name) ?? names.count } }
    }

    private func feed(_ side: KeyedSide) -> KeyGroupFeed {
        // The states left out land in a range nobody reads.
        KeyGroupFeed(readers: side.readers, stateOf: stateOf(side), stateCount: names.count + 1)
    }

    private func compare(state s: Int, _ a: DiffKeyGroup?, _ b: DiffKeyGroup?,
                         _ ra: DiffEntryRenderer?, _ rb: DiffEntryRenderer?, into c: inout StateDifference) throws {
        let oldRange = a?.ranges[s] ?? 0..<0, newRange = b?.ranges[s] ?? 0..<0
        if oldRange.isEmpty, newRange.isEmpty { return }
        if let a { c.oldBytes += a.byteCount(oldRange) }
        if let b { c.newBytes += b.byteCount(newRange) }
        if sameBytes[s] {
            try mergeBytes(a, oldRange, b, newRange, ra, rb, into: &c)
        } else {
            try matchRendered(a, oldRange, b, newRange, ra!, rb!, into: &c)
        }
    }

    /// The merge join on canonical keys; values compared as bytes. The key groups' arrays are read
    /// through pointers taken once: a class's arrays read per entry cost an exclusivity check each.
    private func mergeBytes(_ a: DiffKeyGroup?, _ oldRange: Range<Int>, _ b: DiffKeyGroup?, _ newRange: Range<Int>,
                            _ ra: DiffEntryRenderer?, _ rb: DiffEntryRenderer?, into c: inout StateDifference) throws {
        let oldEntries = a?.entries ?? [], oldBytes = a?.bytes ?? [], newEntries = b?.entries ?? [], newBytes = b?.bytes ?? []
        try oldEntries.withUnsafeBufferPointer { oe in
            try newEntries.withUnsafeBufferPointer { ne in
                try oldBytes.withUnsafeBufferPointer { ob in
                    try newBytes.withUnsafeBufferPointer { nb in
                        var i = oldRange.lowerBound, j = newRange.lowerBound
                        while i < oldRange.upperBound || j < newRange.upperBound {
                            let order: Int32
                            if i == oldRange.upperBound { order = 1 } else if j == newRange.upperBound { order = -1 } else {
                                order = Self.compare(ob, oe[i].keyStart, oe[i].keyCount, nb, ne[j].keyStart, ne[j].keyCount)
                            }
                            if order < 0 {
                                c.removed += 1
                                if entries != nil { try emit(.removed, ra!, a!, oe[i]) }
                                i += 1
                            } else if order > 0 {
                                c.added += 1
                                if entries != nil { try emit(.added, rb!, b!, ne[j]) }
                                j += 1
                            } else {
                                let x = oe[i], y = ne[j]
                                if x.valueCount == y.valueCount,
                                   Self.compare(ob, x.valueStart, x.valueCount, nb, y.valueStart, y.valueCount) == 0 {
                                    c.unchanged += 1
                                } else {
                                    c.changed += 1
                                    if let entries {
                                        let before = try ra!.line(a!, x), after = try rb!.line(b!, y)
                                        try entries.line { $0 += DiffLine.decorated(after, change: .changed, before: before) }
                                    }
                                }
                                i += 1
                                j += 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// Serializers differ: every entry rendered as the dump renders it, matched by what identifies
    /// it and compared by what it holds.
    private func matchRendered(_ a: DiffKeyGroup?, _ oldRange: Range<Int>, _ b: DiffKeyGroup?, _ newRange: Range<Int>,
                               _ ra: DiffEntryRenderer, _ rb: DiffEntryRenderer, into c: inout StateDifference) throws {
        var before: [ArraySlice<UInt8>: [UInt8]] = [:]
        for i in oldRange {
            let line = try ra.line(a!, a!.entries[i])
            before[DiffLine.identity(line)] = line
        }
        var after: [[UInt8]] = []
        for j in newRange { after.append(try rb.line(b!, b!.entries[j])) }
        for line in after {
            let id = DiffLine.identity(line)
            guard let old = before.removeValue(forKey: id) else {
                c.added += 1
                try entries?.line { $0 += DiffLine.decorated(line, change: .added) }
                continue
            }
            if DiffLine.contents(old) == DiffLine.contents(line) {
                c.unchanged += 1
            } else {
                c.changed += 1
                try entries?.line { $0 += DiffLine.decorated(line, change: .changed, before: old) }
            }
        }
        for line in before.values.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            c.removed += 1
            try entries?.line { $0 += DiffLine.decorated(line, change: .removed) }
        }
    }

    func emit(_ change: DiffChange, _ r: DiffEntryRenderer, _ g: DiffKeyGroup, _ e: DiffKeyGroup.Entry) throws {
        guard let entries else { return }
        let line = try r.line(g, e)
        try entries.line { $0 += DiffLine.decorated(line, change: change) }
    }

    /// Unsigned bytewise, shorter first on a common prefix (RocksDB's and the canonical order).
    @inline(__always)
    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ aStart: Int, _ aCount: Int,
                        _ b: UnsafeBufferPointer<UInt8>, _ bStart: Int, _ bCount: Int) -> Int32 {
        let n = min(aCount, bCount)
        let c = n == 0 ? 0 : memcmp(a.baseAddress! + aStart, b.baseAddress! + bStart, n)
        if c != 0 { return c }
        return aCount == bCount ? 0 : (aCount < bCount ? -1 : 1)
    }
}

extension DiffEntryRenderer {
    func line(_ g: DiffKeyGroup, _ e: DiffKeyGroup.Entry) throws -> [UInt8] {
        try line(keyGroup: g.keyGroup, keyAfterPrefix: Array(g.bytes[(e.keyStart + keyGroupPrefixBytes)..<(e.keyStart + e.keyCount)]),
                 value: Array(g.bytes[e.valueStart..<(e.valueStart + e.valueCount)]))
    }
}
