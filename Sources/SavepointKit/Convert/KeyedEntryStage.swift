import Bytes
import CanonicalFormat
import Foundation
import SavepointMetadata

/// One step of a plan applied to keyed entries between the raw reader and the writer (dropping a
/// state, renaming one, filtering keys, purging expired TTL entries). A stage sees each entry of
/// one subtask's key groups once, as canonical bytes, and says where it goes: the index of its
/// state in the meta information after the stage, or nowhere. It also says what the meta
/// information (`KeyedBackendSerializationProxy`) becomes, so writers, digests and names agree.
///
/// Stages keep entries in their key group and never reorder states relative to each other, so a
/// key group stays in canonical order; a stage may add entries to a key group of the reader's
/// range (`BoundEntryStage.insert`: `--upsert` of a key the input lacks), which the reader sorts
/// in. A transformation that moves entries between key groups or
/// subtasks (re-keying for a new max parallelism) is not a stage: it is a `RawKeyedStateReader`
/// built over several input subtasks (see `KeyedPipeline.reader`), and these stages then apply
/// to what it hands on.
public protocol KeyedEntryStage: Sendable {
    /// The stage for one subtask's reader, whose meta information before the stage is `input`
    /// (subtasks need not list their states in one order) and whose keys start with a key-group
    /// prefix of `keyGroupPrefixBytes` (1 or 2, by the max parallelism).
    func bound(to input: KeyedBackendSerializationProxy, keyGroupPrefixBytes: Int) throws -> BoundEntryStage
    /// The same, knowing the reader's key groups: a stage that adds entries (`--upsert` of a key
    /// the input lacks) puts each into the key group Flink assigns it, if the reader holds it.
    /// By default the one above.
    func bound(to input: KeyedBackendSerializationProxy, keyGroupRange: KeyGroupRange, maxParallelism: Int) throws -> BoundEntryStage
}

extension KeyedEntryStage {
    public func bound(to input: KeyedBackendSerializationProxy, keyGroupRange: KeyGroupRange, maxParallelism: Int) throws -> BoundEntryStage {
        try bound(to: input, keyGroupPrefixBytes: FlinkHashing.keyGroupPrefixBytes(maxParallelism: maxParallelism))
    }
}

/// A stage bound to one reader: the meta information after it, and where each entry goes.
public struct BoundEntryStage {
    public typealias Route = (_ stateIndex: Int, _ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Int?
    public var proxy: KeyedBackendSerializationProxy
    /// The state index an entry has after the stage, or nil to drop it (`stateIndex`: its index
    /// before the stage); nil when entries pass untouched (a rename changes only the meta information).
    public var route: Route?
    /// A value rewritten (a schema migration decodes it with the old serializer and encodes it with
    /// the new one): the new bytes, or nil to keep them (`stateIndex`: after every stage's route;
    /// transforms run after all routes, in stage order).
    public typealias Transform = (_ stateIndex: Int, _ value: UnsafeBufferPointer<UInt8>) throws -> [UInt8]?
    public var transform: Transform? {
        get { rewrite.map { r in { i, v in var out: [UInt8] = []; return try r(i, v, &out) ? out : nil } } }
        set { rewrite = newValue.map { t in { i, v, out in guard let new = try t(i, v) else { return false }; out = new; return true } } }
    }
    /// The same transform writing the new bytes into `into` (emptied before each call, its capacity
    /// kept: no array per value); returns whether it did (false: the value stays).
    public typealias Rewrite = (_ stateIndex: Int, _ value: UnsafeBufferPointer<UInt8>, _ into: inout [UInt8]) throws -> Bool
    public var rewrite: Rewrite?
    /// States (indexes after the stage) whose rewrite is a splice: the reader splices their values
    /// as it copies them, and only values the splice does not fit go through `rewrite`.
    public var splices: [Int: ValueSplice] = [:]
    /// The states (indexes after the stage) whose values the transform may change; nil: any. With
    /// it, and no route or insert in the plan, the reader hands a key group on as read when it
    /// holds none of them, and copies the other states' runs of entries whole.
    public var transformedStates: Set<Int>?
    /// Entries the stage adds to a key group (of `insertKeyGroups`: ascending, in the reader's
    /// range), asked once the key group's own entries went through the route: canonical keys
    /// after the key-group prefix, state indexes after the stage. Later stages route them as
    /// they route the input's; the reader merges them into canonical order.
    public typealias Insert = (_ keyGroup: Int) throws -> [RawKeyedEntry]
    public var insert: Insert?
    public var insertKeyGroups: [Int] = []

    public init(proxy: KeyedBackendSerializationProxy, route: Route? = nil, transform: Transform? = nil) {
        self.proxy = proxy
        self.route = route
        self.transform = transform
    }

    public init(proxy: KeyedBackendSerializationProxy, rewrite: @escaping Rewrite, transformedStates: Set<Int>?) {
        self.proxy = proxy
        self.rewrite = rewrite
        self.transformedStates = transformedStates
    }
}

/// A value rewrite that only puts `insert` after the first `keep` bytes of each value and leaves
/// out the `drop` bytes after them (TTL switched on or off, a nullable wrap): no decoding, no
/// buffer per value. It fits a value of at least `keep + drop` bytes whose first `keep` bytes are
/// zero (a map value's null flag saying "not null"); other values go through the stage's rewrite,
/// which handles them or refuses them in its words.
public struct ValueSplice: Sendable, Equatable {
    public var keep: Int
    public var insert: [UInt8]
    public var drop: Int

    public init(keep: Int, insert: [UInt8], drop: Int) {
        self.keep = keep
        self.insert = insert
        self.drop = drop
    }
}

/// A reader with stages applied: its meta information is the input's after every stage, and its
/// key groups hold the entries the stages keep, renumbered. Digesting it digests the input with
/// the plan applied, which is what verification compares the output with.
struct StagedReader<Base: RawKeyedStateReader>: RawKeyedStateReader {
    let base: Base
    /// Each stage's route (nil: entries pass), in stage order.
    let routes: [BoundEntryStage.Route?]
    /// Value transforms, applied after every route (stages that transform come last in a plan).
    let transforms: [BoundEntryStage.Rewrite]
    /// The one transform's splices by state index (none when several stages transform).
    let splices: [ValueSplice?]
    /// Per state index after the stages, whether a transform may change its values; nil when some
    /// transform did not say which states it changes.
    let transformed: [Bool]?
    /// Stages that add entries: their position (later stages' routes apply to what they add), the
    /// key groups they add to, and what they add (value transforms do not apply: the stage gives
    /// the value to write).
    let inserts: [(stage: Int, keyGroups: Set<Int>, insert: BoundEntryStage.Insert)]
    /// Every key group something is added to, ascending.
    let insertKeyGroups: [Int]
    let proxy: KeyedBackendSerializationProxy
    /// Entries read per state of the input's meta information, and passed on per state of this
    /// reader's (what `--dry-run` and the report call read and kept).
    let tally: EntryTally?

    init(base: Base, stages: [any KeyedEntryStage], tally: EntryTally? = nil) throws {
        self.base = base
        self.tally = tally
        var proxy = base.proxy
        var routes: [BoundEntryStage.Route?] = []
        var transforms: [BoundEntryStage.Rewrite] = []
        var transformedStates: Set<Int>? = []
        var splices: [Int: ValueSplice] = [:]
        var inserts: [(stage: Int, keyGroups: Set<Int>, insert: BoundEntryStage.Insert)] = []
        for stage in stages {
            let bound = try stage.bound(to: proxy, keyGroupRange: base.keyGroupRange, maxParallelism: base.maxParallelism)
            proxy = bound.proxy
            if let insert = bound.insert, !bound.insertKeyGroups.isEmpty {
                inserts.append((routes.count, Set(bound.insertKeyGroups), insert))
            }
            routes.append(bound.route)
            if let rewrite = bound.rewrite {
                transforms.append(rewrite)
                splices = transforms.count == 1 ? bound.splices : [:]
                transformedStates = bound.transformedStates.flatMap { mine in transformedStates.map { $0.union(mine) } }
            }
        }
        self.proxy = proxy
        self.routes = routes
        self.transforms = transforms
        self.splices = proxy.states.indices.map { splices[$0] }
        self.inserts = inserts
        insertKeyGroups = Set(inserts.flatMap(\.keyGroups)).sorted()
        transformed = transformedStates.map { states in proxy.states.indices.map(states.contains) }
    }

    var keyGroupRange: KeyGroupRange { base.keyGroupRange }
    var maxParallelism: Int { base.maxParallelism }

    func forEachKeyGroup(_ body: (_ group: RawKeyGroup) throws -> Void) throws {
        let routing = routes.compactMap { $0 }, transforming = transforms
        guard !routing.isEmpty || !transforming.isEmpty || tally != nil || !inserts.isEmpty else { return try base.forEachKeyGroup(body) }
        if routing.isEmpty, inserts.isEmpty, let transformed { return try forEachTransformedKeyGroup(transformed, body) }
        let prefixBytes = FlinkHashing.keyGroupPrefixBytes(maxParallelism: base.maxParallelism)
        var out = RawKeyGroup()
        var read = [Int64](repeating: 0, count: base.proxy.states.count)
        var kept = [Int64](repeating: 0, count: proxy.states.count)
        defer { tally?.add(read: read, names: base.proxy.states.map(\.name), kept: kept, keptNames: proxy.states.map(\.name)) }
        /// The added entries of `keyGroup` through the routes after their stage, then sorted in.
        func addInserts(_ keyGroup: Int) throws {
            var added = false
            for (stage, groups, insert) in inserts where groups.contains(keyGroup) {
                let prefix: [UInt8] = prefixBytes == 2 ? [UInt8(truncatingIfNeeded: keyGroup >> 8), UInt8(truncatingIfNeeded: keyGroup)]
                    : [UInt8(truncatingIfNeeded: keyGroup)]
                for entry in try insert(keyGroup) {
                    let key = prefix + entry.key
                    var index: Int? = entry.stateIndex
                    for case let route? in routes[(stage + 1)...] {
                        guard let i = index else { break }
                        index = try key.withUnsafeBufferPointer { k in try entry.value.withUnsafeBufferPointer { try route(i, k, $0) } }
                    }
                    // Not tallied: kept counts the input's entries (the report counts added ones).
                    guard let index else { continue }
                    out.append(stateIndex: index, key: key, value: entry.value)
                    added = true
                }
            }
            if added { out.sortIntoCanonicalOrder() }
        }
        var values = ValueTransforms(transforms, splices: splices)
        var pending = insertKeyGroups[...]
        /// Key groups the input has no entries in, but a stage adds to, before `keyGroup`.
        func addedGroups(before keyGroup: Int) throws {
            while let g = pending.first, g < keyGroup {
                pending = pending.dropFirst()
                out.reset(keyGroup: g)
                try addInserts(g)
                if !out.isEmpty { try body(out) }
            }
        }
        try base.forEachKeyGroup { group in
            try addedGroups(before: group.keyGroup)
            guard !routing.isEmpty || !transforming.isEmpty || !inserts.isEmpty else {
                group.forEach { i, _, _ in read[i] += 1; kept[i] += 1 }
                return try body(group)
            }
            out.reset(keyGroup: group.keyGroup)
            try group.forEach { stateIndex, key, value in
                if stateIndex < read.count { read[stateIndex] += 1 }
                var index: Int? = stateIndex
                for route in routing {
                    guard let i = index else { break }
                    index = try route(i, key, value)
                }
                guard let index else { return }
                if index < kept.count { kept[index] += 1 }
                try values.append(index, key, value, to: &out)
            }
            if pending.first == group.keyGroup {
                pending = pending.dropFirst()
                try addInserts(group.keyGroup)
            }
            if !out.isEmpty { try body(out) }
        }
        try addedGroups(before: Int.max)
    }
}

/// The value transforms of a plan, in stage order, with the two buffers they write into in turn
/// (reused from value to value). Not generic, unlike the reader it serves: in the reader's generic
/// context the per-value loop instantiated type metadata on every call.
struct ValueTransforms {
    let transforms: [BoundEntryStage.Rewrite]
    private var a: [UInt8] = [], b: [UInt8] = []
    /// The splices by state index, taken apart (an array per value read from a `ValueSplice`
    /// costs a retain and a release): `keep` -1 where a state has none; what each inserts is
    /// `inserts[insertRanges[i]]`.
    private let keep: [Int], drop: [Int], insertRanges: [Range<Int>]
    private let inserts: [UInt8]

    init(_ transforms: [BoundEntryStage.Rewrite], splices: [ValueSplice?] = []) {
        self.transforms = transforms
        var inserts: [UInt8] = []
        insertRanges = splices.map { s in
            let from = inserts.count
            inserts += s?.insert ?? []
            return from..<inserts.count
        }
        self.inserts = inserts
        keep = splices.map { $0?.keep ?? -1 }
        drop = splices.map { $0?.drop ?? 0 }
    }

    /// Appends the entry to `out` with its value through every transform.
    mutating func append(_ index: Int, _ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>,
                         to out: inout RawKeyGroup) throws {
        if index < keep.count, keep[index] >= 0, spliceFits(value, keep: keep[index], drop: drop[index]) {
            let range = insertRanges[index]
            return inserts.withUnsafeBufferPointer { all in
                out.append(stateIndex: index, key: key, value: value, keep: keep[index],
                           insert: UnsafeBufferPointer(rebasing: all[range]), drop: drop[index])
            }
        }
        if transforms.count == 1 {
            // The common plan (one migration): no swapping of buffers.
            a.removeAll(keepingCapacity: true)
            guard try transforms[0](index, value, &a) else { return out.append(stateIndex: index, key: key, value: value) }
            return a.withUnsafeBufferPointer { out.append(stateIndex: index, key: key, value: $0) }
        }
        var replaced = false
        for transform in transforms {
            b.removeAll(keepingCapacity: true)
            let wrote = replaced ? try a.withUnsafeBufferPointer { try transform(index, $0, &b) }
                : try transform(index, value, &b)
            if wrote { swap(&a, &b); replaced = true }
        }
        guard replaced else { return out.append(stateIndex: index, key: key, value: value) }
        a.withUnsafeBufferPointer { out.append(stateIndex: index, key: key, value: $0) }
    }

    @inline(__always)
    private func spliceFits(_ value: UnsafeBufferPointer<UInt8>, keep: Int, drop: Int) -> Bool {
        guard value.count >= keep + drop else { return false }
        for i in 0..<keep where value[i] != 0 { return false }
        return true
    }
}

extension StagedReader {
    /// Transforms only (no route, no insert) that name the states they change (`transformed`): a
    /// key group without entries of those states is handed on as read; in the others, each run of
    /// an untouched state's entries is copied whole and only the changed states' values go
    /// through the transforms. Entries keep their state indexes.
    func forEachTransformedKeyGroup(_ transformed: [Bool], _ body: (_ group: RawKeyGroup) throws -> Void) throws {
        var out = RawKeyGroup()
        var values = ValueTransforms(transforms, splices: splices)
        var read = [Int64](repeating: 0, count: Swift.max(base.proxy.states.count, proxy.states.count))
        defer {
            tally?.add(read: Array(read.prefix(base.proxy.states.count)), names: base.proxy.states.map(\.name),
                       kept: Array(read.prefix(proxy.states.count)), keptNames: proxy.states.map(\.name))
        }
        func changes(_ state: Int32) -> Bool { transformed.indices.contains(Int(state)) && transformed[Int(state)] }
        try base.forEachKeyGroup { group in
            let slots = group.slots
            var runs: [(state: Int32, entries: Range<Int>)] = []
            var i = 0
            while i < slots.count {
                var j = i + 1
                while j < slots.count, slots[j].stateIndex == slots[i].stateIndex { j += 1 }
                runs.append((slots[i].stateIndex, i..<j))
                if read.indices.contains(Int(slots[i].stateIndex)) { read[Int(slots[i].stateIndex)] += Int64(j - i) }
                i = j
            }
            guard runs.contains(where: { changes($0.state) }) else { return try body(group) }
            out.reset(keyGroup: group.keyGroup)
            for run in runs {
                guard changes(run.state) else { out.append(contentsOf: group, entries: run.entries); continue }
                try group.forEach(in: run.entries) { index, key, value in
                    try values.append(index, key, value, to: &out)
                }
            }
            try body(out)
        }
    }
}

/// Entries read and kept per state, summed over subtasks (shared between the subtasks' readers).
final class EntryTally: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var read: [String: Int64] = [:]
    private(set) var kept: [String: Int64] = [:]

    func add(read r: [Int64], names: [String], kept k: [Int64], keptNames: [String]) {
        lock.withLock {
            for (n, c) in zip(names, r) { read[n, default: 0] += c }
            for (n, c) in zip(keptNames, k) { kept[n, default: 0] += c }
        }
    }
}
