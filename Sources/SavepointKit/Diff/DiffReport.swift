/// What `diff` reports (`--json`): the structure that changed, then every compared state's
/// entries. Its JSON form is part of the toolkit's interface: keys are added, never renamed.
public struct DiffReport: Encodable, Sendable {
    public var old: String
    public var new: String
    /// Each side's form in `inspect`'s words (`NATIVE rocksdb savepoint, filesystem storage (LSM)`).
    public var oldForm: String
    public var newForm: String
    public var operatorsAdded: [OperatorRef] = []
    public var operatorsRemoved: [OperatorRef] = []
    /// Parallelism and max parallelism of operators on both sides.
    public var operatorChanges: [Change] = []
    public var statesAdded: [StateRef] = []
    public var statesRemoved: [StateRef] = []
    /// A state's kind, key, namespace or value type, in the notation `inspect` prints.
    public var typeChanges: [Change] = []
    /// Operators whose max parallelism changed: their keyed state was compared by key (through
    /// temporary spill files), not key group by key group.
    public var comparedByKey: [String] = []
    /// Every compared state, in order (NEW's operators first, then those only OLD has).
    public var states: [StateDifference] = []

    public struct OperatorRef: Codable, Sendable, Equatable {
        public var operatorId: String
        public var uid: String?
    }

    public struct StateRef: Codable, Sendable, Equatable {
        public var `operator`: String
        public var state: String
        public var kind: String
    }

    public struct Change: Codable, Sendable, Equatable {
        public var `operator`: String
        /// The state, for type changes.
        public var state: String?
        /// `parallelism`, `maxParallelism`, `kind`, `keyType`, `namespaceType`, `valueType`.
        public var field: String
        public var old: String
        public var new: String
    }

    init(old: String, new: String, oldForm: String, newForm: String) {
        self.old = old
        self.new = new
        self.oldForm = oldForm
        self.newForm = newForm
    }

    public var formChanged: Bool { oldForm != newForm }

    /// Whether the structure differs (a form change alone does not: the same state in two forms is equal).
    public var structureDiffers: Bool {
        !(operatorsAdded.isEmpty && operatorsRemoved.isEmpty && operatorChanges.isEmpty && statesAdded.isEmpty
            && statesRemoved.isEmpty && typeChanges.isEmpty)
    }

    /// Nothing differs but perhaps the form: `diff` exits 0.
    public var equal: Bool { !structureDiffers && !states.contains(where: \.differs) }

    enum CodingKeys: String, CodingKey {
        case old, new, oldForm, newForm, operatorsAdded, operatorsRemoved, operatorChanges, statesAdded, statesRemoved,
             typeChanges, comparedByKey, states, formChanged, equal
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(old, forKey: .old)
        try c.encode(new, forKey: .new)
        try c.encode(oldForm, forKey: .oldForm)
        try c.encode(newForm, forKey: .newForm)
        try c.encode(operatorsAdded, forKey: .operatorsAdded)
        try c.encode(operatorsRemoved, forKey: .operatorsRemoved)
        try c.encode(operatorChanges, forKey: .operatorChanges)
        try c.encode(statesAdded, forKey: .statesAdded)
        try c.encode(statesRemoved, forKey: .statesRemoved)
        try c.encode(typeChanges, forKey: .typeChanges)
        try c.encode(comparedByKey, forKey: .comparedByKey)
        try c.encode(states, forKey: .states)
        try c.encode(formChanged, forKey: .formChanged)
        try c.encode(equal, forKey: .equal)
    }

    /// Parallelism, states and their types of one operator on both sides (nil: the side lacks it).
    mutating func compareStructure(name: String, _ a: InspectReport.Operator?, _ b: InspectReport.Operator?,
                                   wants: (String) -> Bool) {
        if let a, let b {
            if a.parallelism != b.parallelism {
                operatorChanges.append(Change(operator: name, field: "parallelism", old: "\(a.parallelism)", new: "\(b.parallelism)"))
            }
            if a.maxParallelism != b.maxParallelism {
                operatorChanges.append(Change(operator: name, field: "maxParallelism", old: "\(a.maxParallelism)",
                                              new: "\(b.maxParallelism)"))
            }
            if a.keyType != b.keyType {
                typeChanges.append(Change(operator: name, field: "keyType", old: a.keyType ?? "-", new: b.keyType ?? "-"))
            }
        }
        let oldStates = (a?.states ?? []).filter { wants($0.name) }, newStates = (b?.states ?? []).filter { wants($0.name) }
        for s in newStates where !oldStates.contains(where: { $0.name == s.name }) {
            statesAdded.append(StateRef(operator: name, state: s.name, kind: s.kind))
        }
        for s in oldStates where !newStates.contains(where: { $0.name == s.name }) {
            statesRemoved.append(StateRef(operator: name, state: s.name, kind: s.kind))
        }
        for s in newStates {
            guard let o = oldStates.first(where: { $0.name == s.name }) else { continue }
            for (field, x, y) in [("kind", o.kind, s.kind), ("namespaceType", o.namespaceType ?? "-", s.namespaceType ?? "-"),
                                  ("valueType", o.valueType ?? "-", s.valueType ?? "-")] where x != y {
                typeChanges.append(Change(operator: name, state: s.name, field: field, old: x, new: y))
            }
        }
    }
}
