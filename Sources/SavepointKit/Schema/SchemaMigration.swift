import CanonicalFormat
import FlinkSerialization
import Foundation
import SavepointMetadata

/// `savepoint schema migrate`: a plan on the one pipeline. For each keyed state whose type the
/// target changes, the metadata side replaces the state's value serializer snapshot with the one
/// Flink writes for the new type (`SnapshotMigration`), and a value-transform stage
/// (`MigrateValuesStage`) decodes every value with the old serializer and encodes it with the new
/// one. The converter writes the result, digests the input with the plan applied and compares it
/// with the output read back; `OUT` appears only then. A restore of the new job finds every
/// migrated state compatible as is.
///
/// Everything is checked before anything is written: a state that cannot be migrated (a key or
/// namespace type change, a kind change, a type pair `migrate` does not rewrite yet) is refused
/// with the reason.
public struct SchemaMigration {
    public struct Options: Sendable {
        /// The output's form; nil keeps the input's.
        public var target: ConvertOptions.Target?
        public var force = false
        public var handleSignals = false
        /// The last-access timestamp of values TTL is switched on for, in milliseconds since the
        /// epoch (`--now`; Flink's `TtlValue` keeps the time of the last write or read).
        public var now = Int64(Date().timeIntervalSince1970 * 1000)
        public init(target: ConvertOptions.Target? = nil, force: Bool = false, handleSignals: Bool = false, now: Int64? = nil) {
            if let now { self.now = now }
            self.target = target
            self.force = force
            self.handleSignals = handleSignals
        }
    }

    /// One keyed state whose values change.
    public struct StateChange: Sendable, Encodable {
        public var `operator`: String
        public var operatorId: String
        public var state: String
        public var from: String
        public var to: String
        public var entries: Int64 = 0
        let oldType: SchemaType
        let newType: SchemaType
        /// The state's kind (list and map state migrate their elements and values).
        var kind = "value"

        enum CodingKeys: String, CodingKey { case `operator`, operatorId, state, from, to, entries }
    }

    public let input: Savepoint
    public private(set) var changes: [StateChange] = []
    /// POJO fields and enum constants renamed (`--map`), applied to the old side first.
    public private(set) var renames = SchemaRenames()

    /// Checks every state of `input` against `target`; throws `MigrationRefusal` naming the first
    /// state that cannot be migrated.
    public init(input: Savepoint, target: SchemaDocument, renames: SchemaRenames = SchemaRenames()) throws {
        self.input = input
        self.renames = renames
        let old = try SchemaDocument(input)
        let unmatched = renames.unmatched(in: old.operators.flatMap { $0.states.map(\.type) })
        if !unmatched.isEmpty {
            throw MigrationRefusal(path: "", reason: "--map renames \(unmatched.joined(separator: ", ")), which no state's type has"
                                   + " (a POJO field or an enum class, as Flink stores the class name)")
        }
        for o in old.operators {
            guard let n = target.operators.first(where: { $0.operatorId == o.operatorId }) else { continue }
            let name = o.uid ?? o.operatorId
            if let ok = o.key, let nk = n.key, ok != nk {
                throw MigrationRefusal(path: name, reason: "the key type changes from \(ok.rendered) to \(nk.rendered);"
                                       + " that moves keys between key groups, which migrate does not do")
            }
            for s in o.states {
                let touched = renames.touches(s.type)
                guard let t = n.states.first(where: { $0.name == s.name }), t.type != s.type || t.kind != s.kind || touched else { continue }
                let path = "\(name)/\(s.name)"
                guard t.kind == s.kind else {
                    throw MigrationRefusal(path: path, reason: "the state's kind changes from \(s.kind) to \(t.kind)")
                }
                guard ["value", "reducing", "aggregating", "list", "map"].contains(s.kind) else {
                    throw MigrationRefusal(path: path, reason: "migrating \(s.kind) state is not built yet (value, list, map, reducing and aggregating state are)")
                }
                if let on = s.namespace, let nn = t.namespace, on != nn {
                    throw MigrationRefusal(path: path, reason: "the namespace type changes from \(on.rendered) to \(nn.rendered)")
                }
                let oldType = renames.apply(to: s.type)
                if s.kind == "map", let ok = s.type.children.first?.type, let nk = t.type.children.first?.type,
                   renames.apply(to: ok) != nk || renames.touches(ok) {
                    throw MigrationRefusal(path: path, reason: "the map's user key type changes from \(ok.rendered) to \(nk.rendered);"
                                           + " user keys order the map's entries, and migrate does not re-sort them")
                }
                guard SchemaResolver(flinkMajor: 2).migratable(oldType, t.type) else {
                    throw MigrationRefusal(path: path, reason: "\(s.type.rendered) cannot be migrated to \(t.type.rendered)")
                }
                let newType = ValueMigration.inFlinkOrder(t.type)
                guard newType != s.type || touched else { continue }
                changes.append(StateChange(operator: name, operatorId: o.operatorId, state: s.name,
                                           from: s.type.rendered, to: newType.rendered, oldType: oldType, newType: newType, kind: s.kind))
            }
        }
        // The snapshots and value conversions of every change, built once here so that a type
        // pair not built yet is refused before anything is written.
        for change in changes {
            let path = "\(change.operator)/\(change.state)"
            let stored = try MigrationRefusal.about(path) { try renames.apply(to: try storedSnapshot(change)) }
            _ = try MigrationRefusal.about(path) {
                try SnapshotMigration.snapshot(for: change.newType, from: stored, oldType: change.oldType, at: "")
            }
            try MigrationRefusal.about(path) { try ValueMigration.check(change.oldType, change.newType, at: "") }
        }
    }

    /// The value serializer snapshot of a changed state in the first subtask that holds it.
    func storedSnapshot(_ change: StateChange) throws -> SerializerSnapshot {
        guard let op = input.metadata.operatorStates.first(where: { $0.operatorID.hex == change.operatorId }),
              let keyed = op.subtaskStates.lazy.compactMap(\.state?.managedKeyedState).first,
              let snapshot = try KeyedStateHeader.read(keyed, of: op, in: input).proxy.states
                .first(where: { $0.name == change.state })?.valueSerializer
        else { throw MigrationRefusal(path: "\(change.operator)/\(change.state)", reason: "no value serializer snapshot in the savepoint") }
        return snapshot
    }

    public func write(to output: URL, options: Options = Options()) throws -> SchemaMigrateReport {
        try write(to: output.path, options: options)
    }

    /// Writes `output` (a path or an object-store URI): the input with every change applied,
    /// verified before it appears. `alongside`: value stages of the caller's on the same pipeline
    /// (`upgrade`'s Kryo re-encoding), after these.
    public func write(to output: String, options: Options = Options(),
                      alongside: [OperatorID: [any KeyedEntryStage]] = [:]) throws -> SchemaMigrateReport {
        var stages = alongside
        for op in input.metadata.operatorStates {
            let mine = changes.filter { $0.operatorId == op.operatorID.hex }
            if !mine.isEmpty { stages[op.operatorID] = [MigrateValuesStage(changes: mine, now: options.now, renames: renames)] + (alongside[op.operatorID] ?? []) }
        }
        var pipeline = KeyedPipeline(metadata: input.metadata, stages: stages)
        var convert = ConvertOptions(target: options.target ?? inputForm, force: options.force, handleSignals: options.handleSignals)
        // A canonical output needs each state's entries in one run, not sorted (the value stage
        // keeps entries where they are): no sort of a hashmap backend's key groups.
        pipeline.storedOrder = convert.target != .lsm
        convert.snapshotCompression = nil
        var converter = Converter(input: input, options: convert, pipeline: pipeline)
        let written = try converter.write(to: output)
        var states = changes
        for k in states.indices {
            states[k].entries = pipeline.tallies.first { $0.key.hex == states[k].operatorId }?.value.kept[states[k].state] ?? 0
        }
        return SchemaMigrateReport(path: input.path, output: written.output, target: written.target, states: states,
                                   keyedEntries: written.keyedEntries, verified: written.verified, seconds: written.seconds)
    }

    /// The form the input's keyed state is in (what the output keeps without `--to-form`).
    var inputForm: ConvertOptions.Target {
        switch SavepointForm(input.metadata) {
        case .lsm: return .lsm
        case .memorySnapshot: return .memory
        default: return .filesystem
        }
    }
}

/// What `schema migrate` did: the states migrated (with their entries) and the verified output.
public struct SchemaMigrateReport: Encodable, Sendable {
    public var path: String
    public var output: String
    public var target: ConvertOptions.Target
    public var states: [SchemaMigration.StateChange]
    public var keyedEntries: Int64
    public var verified: Bool
    public var seconds: Double
}

/// The value-transform stage: each changed state's serializer snapshot replaced in the meta
/// information, each of its values decoded with the old serializer, converted
/// (`ValueMigration`) and encoded with the new one.
struct MigrateValuesStage: KeyedEntryStage {
    let changes: [SchemaMigration.StateChange]
    let now: Int64
    var renames = SchemaRenames()

    func bound(to input: KeyedBackendSerializationProxy, keyGroupPrefixBytes: Int) throws -> BoundEntryStage {
        var proxy = input
        var byIndex: [Int: StateValueCodec] = [:]
        for (i, meta) in input.states.enumerated() {
            guard let change = changes.first(where: { $0.state == meta.name }) else { continue }
            let path = "\(change.operator)/\(change.state)"
            guard let k = meta.serializers.firstIndex(where: { $0.key == "VALUE_SERIALIZER" }) else {
                throw MigrationRefusal(path: path, reason: "no value serializer snapshot in this subtask")
            }
            let original = meta.serializers[k].snapshot
            let stored = try MigrationRefusal.about(path) { try renames.apply(to: original) }
            guard SchemaType(stored) == change.oldType else {
                throw MigrationRefusal(path: path, reason: "this subtask stores \(SchemaType(original).rendered), not \(change.from)")
            }
            let snapshot = try MigrationRefusal.about(path) {
                try SnapshotMigration.snapshot(for: change.newType, from: stored, oldType: change.oldType, at: "")
            }
            proxy.states[i].serializers[k].snapshot = snapshot
            byIndex[i] = try MigrationRefusal.about(path) {
                try StateValueCodec(kind: change.kind, stored: original, migrated: snapshot, originalType: SchemaType(original),
                                    oldType: change.oldType, newType: change.newType, renames: renames, now: now)
            }
        }
        // By state index, nil for states that stay (an array: looked up once per value), held
        // unretained (`codecs` keeps them): a retain and release per value showed in profiles.
        let codecs = Array(byIndex.values)
        let table = (0..<input.states.count).map { byIndex[$0].map(Unmanaged.passUnretained) }
        var stage = BoundEntryStage(proxy: proxy, rewrite: { stateIndex, value, out in
            guard table.indices.contains(stateIndex), let codec = table[stateIndex] else { return false }
            try withExtendedLifetime(codecs) {
                try codec._withUnsafeGuaranteedRef { try $0.migrate(value, into: &out) }
            }
            return true
        }, transformedStates: Set(byIndex.keys))
        stage.splices = byIndex.compactMapValues(\.valueSplice)
        return stage
    }
}
