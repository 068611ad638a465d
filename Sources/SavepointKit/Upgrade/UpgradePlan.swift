import FlinkSerialization
import SavepointMetadata

/// `savepoint upgrade --check`: per state of a Flink 1.x savepoint, what Flink 2 does with it and
/// what `upgrade` does about it, decided from the serializer snapshots alone (no state data read).
///
/// - restores as is: Flink 2 reads the state with the serializers it has (every held 1.18 and 1.20
///   fixture of the basic, types and window shapes: checked with real Flink 2.3.0, see
///   `fixtures/README.md`).
/// - migrated by upgrade: a POJO whose `List`, `Set` or `Map` fields Flink 1.x serialized with Kryo
///   and Flink 2 with its own collection serializers (`Flink2TypeExtraction`); Flink 2 finds the
///   POJO incompatible (`StateMigrationException` on first access). `upgrade` re-encodes every
///   value and writes the snapshot Flink 2 writes for the type: a `schema migrate` to the Flink 2
///   types (`SchemaMigration`), on the one pipeline.
/// - migrated by upgrade, too: a state of a Kryo type (`Types.GENERIC` of a JDK class): Kryo in both,
///   but Flink 2's Kryo 5 does not read Kryo 2.24 data; `upgrade` re-encodes every value
///   (`KryoReencoding`) and keeps the snapshot, which is the same in both.
/// - cannot be migrated: state and reason (Kryo 2.24 data of a JDK class deeper in a type, or in
///   list or map state; collection fields whose element types the savepoint does not store and no
///   `--against` gives; kinds `schema migrate` does not rewrite).
///
/// The Flink 2 type of a state comes from `against` (the new job's schema document, e.g. `schema
/// show --json` of a savepoint the Flink 2 job wrote) when it names the state.
public struct UpgradePlan: Sendable {
    public enum Verdict: String, Encodable, Sendable {
        case restoresAsIs = "restores as is"
        case migrated = "migrated by upgrade"
        case cannotMigrate = "cannot be migrated"
    }

    public struct Finding: Encodable, Sendable {
        public var `operator`: String
        public var operatorId: String
        public var state: String
        public var kind: String
        /// The state's type in the savepoint (the notation of `schema show`).
        public var type: String
        public var verdict: Verdict
        /// The type the upgraded savepoint stores (migrated states only).
        public var upgradedType: String?
        /// Why Flink 2 refuses the state as it is, or why `upgrade` cannot migrate it.
        public var reason: String?
    }

    public let input: Savepoint
    /// `1.x` or `2.x`: what wrote the savepoint.
    public let flinkVersion: String
    public private(set) var findings: [Finding] = []
    /// What `upgrade` changes beyond states: a retained checkpoint becomes a self-contained savepoint.
    public private(set) var notes: [String] = []
    /// The schema the upgraded savepoint has: the input's with every migrated state's Flink 2 type.
    public private(set) var target: SchemaDocument
    /// The states whose Kryo 2.24 values `upgrade` writes as Kryo 5 (their type stays).
    private(set) var kryoReencoded: Set<KryoReencoding.Target> = []

    /// Whether Flink 2 restores every state as it is.
    public var restoresAsIs: Bool { findings.allSatisfy { $0.verdict == .restoresAsIs } }
    /// Whether `upgrade` can migrate every state Flink 2 does not restore as it is.
    public var upgradable: Bool { !findings.contains { $0.verdict == .cannotMigrate } }

    public init(input: Savepoint, against: SchemaDocument? = nil) throws {
        self.input = input
        let old = try SchemaDocument(input)
        flinkVersion = old.flinkVersion ?? "1.x"
        target = old
        for (o, op) in old.operators.enumerated() {
            let name = op.uid ?? input.metadata.operatorStates.first { $0.operatorID.hex == op.operatorId }?.displayName ?? op.operatorId
            let other = against?.operators.first { $0.operatorId == op.operatorId }
            for (s, state) in op.states.enumerated() {
                var finding = Finding(operator: name, operatorId: op.operatorId, state: state.name, kind: state.kind,
                                      type: state.type.rendered, verdict: .restoresAsIs)
                let wanted = other?.states.first { $0.name == state.name }?.type
                // A savepoint Flink 2 wrote has Flink 2's serializers and Kryo 5 data already.
                if flinkVersion == "1.x" { Self.decide(&finding, type: state.type, wanted: wanted) }
                if finding.verdict == .migrated, case .classed(.kryo, _) = state.type {
                    // Kryo in both versions: the type stays, the values become Kryo 5's.
                    if let wanted, wanted != state.type {
                        finding.verdict = .cannotMigrate
                        finding.reason = "the new job's type \(wanted.rendered) is not \(state.type.rendered), which Flink 2 keeps"
                            + " for the same class; upgrade re-encodes the values only"
                    } else {
                        kryoReencoded.insert(KryoReencoding.Target(operatorId: op.operatorId, state: state.name))
                        finding.upgradedType = state.type.rendered + " (values in Kryo 5)"
                    }
                } else if finding.verdict == .migrated, let wanted {
                    target.operators[o].states[s].type = wanted
                    finding.upgradedType = wanted.rendered
                }
                findings.append(finding)
            }
        }
        if input.metadata.referencesAbsolutePaths {
            notes.append("a retained checkpoint: its files are referenced by absolute path, so a moved copy does not"
                         + " restore; upgrade writes a self-contained savepoint")
        }
    }

    static let migratableKinds = ["value", "reducing", "aggregating"]

    static func decide(_ finding: inout Finding, type: SchemaType, wanted: SchemaType?) {
        let fields = Flink2TypeExtraction.kryoCollectionFields(in: type)
        let jdk = Flink2TypeExtraction.kryoClasses(in: type).filter { $0.hasPrefix("java.") }
        if !jdk.isEmpty {
            let why = "Kryo 2.24 data of \(jdk.joined(separator: ", ")): Flink 2's Kryo 5 does not read it (KryoException on restore)"
            if case .classed(.kryo, _) = type, KryoReencoding.kinds.contains(finding.kind) {
                finding.verdict = .migrated
                finding.reason = why + "; each value is re-encoded for Kryo 5 (the serializer snapshot stays; upgrade"
                    + " refuses the state if a value holds a user class)"
            } else {
                finding.verdict = .cannotMigrate
                finding.reason = why + "; re-encoding it for Kryo 5 is built for value, reducing and aggregating state"
                    + " of a Kryo type, not for \(finding.kind) state of \(type.rendered)"
            }
            return
        }
        guard !fields.isEmpty else { return }
        let names = fields.map { "\($0.path) (\($0.declared))" }.joined(separator: ", ")
        let why = "Flink 2 serializes the POJO fields \(names) with its own collection serializers where 1.x used"
            + " Kryo (FLINK-34037): the POJO is incompatible"
        finding.verdict = .cannotMigrate
        guard migratableKinds.contains(finding.kind) else {
            finding.reason = why + "; migrating \(finding.kind) state is not built yet (value, reducing and aggregating state are)"
            return
        }
        guard let wanted else {
            finding.reason = why + "; the savepoint does not store the element types (Kryo keeps none): give --against"
                + " with the new job's schema (savepoint schema show --json of a savepoint it wrote)"
            return
        }
        guard Flink2TypeExtraction.upgrades(type, to: wanted) else {
            finding.reason = why + "; the new job's type \(wanted.rendered) is not the one Flink 2 gives it"
            return
        }
        finding.verdict = .migrated
        finding.reason = why
    }
}

extension CheckpointMetadata {
    /// Whether a keyed handle names its files by absolute path (a retained checkpoint's shared
    /// files): Flink restores such a copy only where it was written.
    var referencesAbsolutePaths: Bool {
        operatorStates.contains { op in
            op.subtaskStates.contains { s in
                guard case let .incrementalRemote(h)? = s.state?.managedKeyedState else { return false }
                return (h.sharedState + h.privateState).contains { $0.handle?.recordedPath != nil }
            }
        }
    }
}
