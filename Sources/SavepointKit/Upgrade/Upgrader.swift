import Foundation

/// `savepoint upgrade`: writes a Flink 1.x savepoint so that Flink 2 restores it and reads every
/// state. The plan (`UpgradePlan`) is a schema migration to the Flink 2 types of the states it
/// migrates; `SchemaMigration` applies it on the one pipeline (snapshots replaced in the meta
/// information, values re-encoded by a stage, the output verified before it appears). States
/// Flink 2 restores as is pass through unchanged; every operator is written by the writer of the
/// output's form, so a retained checkpoint (absolute paths to `shared/`) becomes a self-contained
/// savepoint. Anything the plan cannot migrate is refused before anything is written.
public struct Upgrader {
    public let plan: UpgradePlan

    public init(plan: UpgradePlan) {
        self.plan = plan
    }

    public func write(to output: URL, options: SchemaMigration.Options = .init()) throws -> UpgradeReport {
        try write(to: output.path, options: options)
    }

    /// Writes `output` (a path or an object-store URI). Throws `UpgradeRefusal` listing every state
    /// that cannot be migrated (nothing written).
    public func write(to output: String, options: SchemaMigration.Options = .init()) throws -> UpgradeReport {
        let refused = plan.findings.filter { $0.verdict == .cannotMigrate }
        guard refused.isEmpty else { throw UpgradeRefusal(findings: refused) }
        let reencoded = try scanKryoValues()
        let migration = try SchemaMigration(input: plan.input, target: plan.target)
        let reencoding = KryoReencoding.stages(plan.kryoReencoded, in: plan.input.metadata)
        let written = try migration.write(to: output, options: options, alongside: reencoding)
        return UpgradeReport(path: plan.input.path, output: written.output, target: written.target,
                             findings: plan.findings, notes: plan.notes, keyedEntries: written.keyedEntries,
                             migratedEntries: written.states.reduce(reencoded) { $0 + $1.entries },
                             verified: written.verified, seconds: written.seconds)
    }
}

extension Upgrader {
    /// Reads every value of the states whose Kryo data is re-encoded, writing nothing: a value that
    /// cannot be re-encoded (a user class inside) refuses its state before anything is written.
    /// Returns how many values are re-encoded.
    func scanKryoValues() throws -> Int64 {
        guard !plan.kryoReencoded.isEmpty else { return 0 }
        let scan = KryoReencoding.Scan()
        let metadata = plan.input.metadata
        try KeyedPipeline(metadata: metadata, stages: KryoReencoding.stages(plan.kryoReencoded, in: metadata, scan: scan))
            .count(in: plan.input)
        let found = scan.refusals
        guard !found.isEmpty else { return scan.entries }
        throw UpgradeRefusal(findings: plan.findings.compactMap { f in
            guard let reason = found[KryoReencoding.Target(operatorId: f.operatorId, state: f.state)] else { return nil }
            var refused = f
            refused.verdict = .cannotMigrate
            refused.reason = reason
            return refused
        })
    }
}

/// The states `upgrade` cannot migrate, each with its reason.
public struct UpgradeRefusal: Error, CustomStringConvertible, Sendable {
    public var findings: [UpgradePlan.Finding]
    public var description: String {
        findings.map { "\($0.operator)/\($0.state) (\($0.type)): \($0.reason ?? "cannot be migrated")" }.joined(separator: "; ")
    }
}

/// What `upgrade --check` reports: per state its verdict, and whether Flink 2 restores the
/// savepoint as is and whether `upgrade` can make it restore.
public struct UpgradeCheckReport: Encodable, Sendable {
    public var path: String
    public var flinkVersion: String
    public var restoresAsIs: Bool
    public var upgradable: Bool
    public var states: [UpgradePlan.Finding]
    public var notes: [String]

    public init(_ plan: UpgradePlan) {
        path = plan.input.path
        flinkVersion = plan.flinkVersion
        restoresAsIs = plan.restoresAsIs
        upgradable = plan.upgradable
        states = plan.findings
        notes = plan.notes
    }
}

/// What `upgrade` did: the verdicts, the migrated entries and the verified output.
public struct UpgradeReport: Encodable, Sendable {
    public var path: String
    public var output: String
    public var target: ConvertOptions.Target
    public var findings: [UpgradePlan.Finding]
    public var notes: [String]
    public var keyedEntries: Int64
    public var migratedEntries: Int64
    public var verified: Bool
    public var seconds: Double
}
