import FlinkSerialization

/// `savepoint schema check`: what Flink will do, per state, when a job with the target's types
/// restores the savepoint. Flink checks each serializer when the state is registered (the key
/// serializer when the keyed backend restores): a state it cannot read fails the job then, with
/// `StateMigrationException`.
public struct SchemaCheckReport: Encodable, Sendable {
    public var path: String
    public var against: String
    /// `1.x` or `2.x`: the Flink that will restore.
    public var flinkVersion: String
    /// Whether Flink will restore and read every state of the target.
    public var restores: Bool
    public var operators: [Operator]

    public struct Operator: Encodable, Sendable {
        public var uid: String?
        public var operatorId: String
        /// `matched`, `new` (only in the target: starts empty) or `dropped` (only in the savepoint:
        /// Flink refuses the restore unless allowNonRestoredState).
        public var status: String
        /// The key serializer, for a keyed operator in both.
        public var key: Finding?
        public var states: [State]
    }

    public struct State: Encodable, Sendable {
        public var name: String
        public var kind: String
        /// `matched`, `new` (starts empty) or `dropped` (restored, never read by the new job).
        public var status: String
        public var finding: Finding?
    }

    /// Flink's answer for one serializer (or a state's kind), and whether `schema migrate` can
    /// rewrite the savepoint so that Flink finds it compatible as is (for refused states only).
    public struct Finding: Encodable, Sendable {
        public var compatibility: SchemaCompatibility
        /// Whether Flink restores it: "compatible after migration" is refused for keys, namespaces,
        /// timers and operator state, which Flink does not migrate.
        public var restores: Bool
        public var field: String?
        public var serializer: String?
        public var reason: String?
        public var migratable: Bool?
    }
}

extension SchemaCheckReport {
    public init(savepoint old: SchemaDocument, path: String, against new: SchemaDocument, targetPath: String,
                flinkMajor: Int, allowNonRestoredState: Bool = false) {
        self.path = path
        against = targetPath
        flinkVersion = "\(flinkMajor).x"
        let resolver = SchemaResolver(flinkMajor: flinkMajor)
        var out: [Operator] = []
        for o in old.operators {
            guard let n = new.operators.first(where: { $0.operatorId == o.operatorId }) else {
                // An operator without state is nothing Flink has to restore.
                if !o.states.isEmpty {
                    out.append(Operator(uid: o.uid, operatorId: o.operatorId, status: "dropped", key: nil,
                                        states: o.states.map { State(name: $0.name, kind: $0.kind, status: "dropped") }))
                }
                continue
            }
            var key: Finding?
            if let ok = o.key, let nk = n.key {
                key = Finding(resolver.resolve(ok, nk), role: "key", resolver: resolver, old: ok, new: nk)
            }
            var states: [State] = o.states.map { s in
                guard let t = n.states.first(where: { $0.name == s.name }) else {
                    return State(name: s.name, kind: s.kind, status: "dropped")
                }
                return State(name: s.name, kind: t.kind, status: "matched",
                             finding: Self.finding(s, t, resolver: resolver))
            }
            states += n.states.filter { t in !o.states.contains { $0.name == t.name } }
                .map { State(name: $0.name, kind: $0.kind, status: "new") }
            out.append(Operator(uid: n.uid ?? o.uid, operatorId: o.operatorId, status: "matched", key: key, states: states))
        }
        for n in new.operators where !old.operators.contains(where: { $0.operatorId == n.operatorId }) {
            out.append(Operator(uid: n.uid, operatorId: n.operatorId, status: "new", key: nil,
                                states: n.states.map { State(name: $0.name, kind: $0.kind, status: "new") }))
        }
        operators = out
        restores = out.allSatisfy { op in
            (op.status != "dropped" || allowNonRestoredState) && op.key?.restores != false
                && op.states.allSatisfy { $0.finding?.restores != false }
        }
    }

    /// One state in both: its kind (`StateDescriptor.Type` must not change), its namespace and its
    /// value serializer, the worst decides.
    static func finding(_ old: SchemaDocument.State, _ new: SchemaDocument.State, resolver: SchemaResolver) -> Finding {
        guard old.kind == new.kind else {
            return Finding(compatibility: .incompatible, restores: false, serializer: nil,
                           reason: "incompatible state types: was \(old.kind), registered as \(new.kind)", migratable: false)
        }
        if let on = old.namespace, let nn = new.namespace {
            let v = resolver.resolve(on, nn)
            if v.result != .compatibleAsIs {
                return Finding(v, role: "namespace", resolver: resolver, old: on, new: nn)
            }
        }
        let role = old.kind == "timer" ? "timer" : (old.kind.hasPrefix("operator") || old.kind == "broadcast") ? "operator" : "state"
        return Finding(resolver.resolve(old.type, new.type), role: role, resolver: resolver, old: old.type, new: new.type)
    }
}

extension SchemaCheckReport.Finding {
    /// Keyed state values are migrated by both backends; Flink refuses "after migration" for the
    /// key serializer (`The new key serializer must be compatible`), the namespace, timers
    /// (priority queue state) and operator state (`DefaultOperatorStateBackend` does not migrate).
    init(_ v: SchemaVerdict, role: String, resolver: SchemaResolver, old: SchemaType, new: SchemaType) {
        compatibility = v.result
        restores = v.result == .incompatible ? false
            : v.result == .compatibleAfterMigration ? role == "state" : true
        field = v.field.isEmpty ? nil : v.field
        serializer = v.serializer.isEmpty ? nil : v.serializer
        reason = v.reason.isEmpty ? nil : v.reason
        if !restores, v.result == .compatibleAfterMigration {
            let what = ["key": "the key serializer", "namespace": "the namespace serializer",
                        "timer": "timer (priority queue) state", "operator": "operator state"][role] ?? role
            reason = (reason.map { $0 + "; " } ?? "") + "Flink does not migrate \(what)"
        }
        // Timers hold the key and the namespace: changing them is a key change too.
        migratable = restores ? nil : (!["key", "namespace", "timer"].contains(role) && resolver.migratable(old, new))
        if role == "key", !restores {
            reason = [reason, "a key type change moves keys between key groups: migrate refuses it"]
                .compactMap { $0 }.joined(separator: "; ")
        }
    }
}
