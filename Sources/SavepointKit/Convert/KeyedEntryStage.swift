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
    public var transform: Transform?
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
}

/// A reader with stages applied: its meta information is the input's after every stage, and its
/// key groups hold the entries the stages keep, renumbered. Digesting it digests the input with
/// the plan applied, which is what verification compares the output with.
struct StagedReader<Base: RawKeyedStateReader>: RawKeyedStateReader {
    let base: Base
    /// Each stage's route (nil: entries pass), in stage order.
    let routes: [BoundEntryStage.Route?]
    /// Value transforms, applied after every route (stages that transform come last in a plan).
    let transforms: [BoundEntryStage.Transform]
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
        var transforms: [BoundEntryStage.Transform] = []
        var inserts: [(stage: Int, keyGroups: Set<Int>, insert: BoundEntryStage.Insert)] = []
        for stage in stages {
            let bound = try stage.bound(to: proxy, keyGroupRange: base.keyGroupRange, maxParallelism: base.maxParallelism)
            proxy = bound.proxy
            if let insert = bound.insert, !bound.insertKeyGroups.isEmpty {
                inserts.append((routes.count, Set(bound.insertKeyGroups), insert))
            }
            routes.append(bound.route)
            if let transform = bound.transform { transforms.append(transform) }
        }
        self.proxy = proxy
        self.routes = routes
        self.transforms = transforms
        self.inserts = inserts
        insertKeyGroups = Set(inserts.flatMap(\.keyGroups)).sorted()
    }

    var keyGroupRange: KeyGroupRange { base.keyGroupRange }
    var maxParallelism: Int { base.maxParallelism }

    func forEachKeyGroup(_ body: (_ group: RawKeyGroup) throws -> Void) throws {
        let routing = routes.compactMap { $0 }, transforming = transforms
        guard !routing.isEmpty || !transforming.isEmpty || tally != nil || !inserts.isEmpty else { return try base.forEachKeyGroup(body) }
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
                var replaced: [UInt8]?
                for transform in transforming {
                    let new: [UInt8]?
                    if let r = replaced { new = try r.withUnsafeBufferPointer { try transform(index, $0) } } else { new = try transform(index, value) }
                    if let new { replaced = new }
                }
                guard let replaced else { return out.append(stateIndex: index, key: key, value: value) }
                replaced.withUnsafeBufferPointer { out.append(stateIndex: index, key: key, value: $0) }
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
