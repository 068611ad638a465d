import Foundation
import SavepointMetadata

/// `savepoint diff OLD NEW`: what changed between two savepoints (or retained checkpoints) of one
/// job, in any two forms. First the structure, from what `inspect` reads (operators by id, their
/// parallelism, states and types, the form), then every selected state's entries, walked on both
/// sides one key group at a time (`KeyedStateDiff`) or, for operator state, whole (`OperatorStateDiff`).
public struct SavepointDiff {
    public let old: Savepoint
    public let new: Savepoint
    /// Operators by uid or id in hex (either side's); empty: all.
    public var operatorSelectors: [String] = []
    /// State names; empty: all.
    public var stateNames: [String] = []
    /// Compare every keyed entry as the dump renders it, also where the bytes could be compared
    /// (the reference the byte comparison is tested against; the result is the same).
    public var alwaysRendered = false
    /// Max parallelism changed (keys compared through spill files): the bytes of one partition of
    /// a side, what the comparison holds in memory.
    public var spillPartitionBytes: Int64 = 32 << 20
    /// Where the spill files go (nil: the system's temporary folder, `TMPDIR`).
    public var spillDirectory: URL?

    public init(old: Savepoint, new: Savepoint) {
        self.old = old
        self.new = new
    }

    /// Compares; each differing entry goes to `entries` as a line (dump schema v1 plus `change`
    /// and `before`) when given.
    public func run(entries: JSONLinesOutput? = nil) throws -> DiffReport {
        let oldReport = try InspectReport(old), newReport = try InspectReport(new)
        try checkSelectors(oldReport, newReport)
        var report = DiffReport(old: old.path, new: new.path,
                                oldForm: Self.form(oldReport), newForm: Self.form(newReport))
        let oldOps = Dictionary(old.metadata.operatorStates.map { ($0.operatorID.hex, $0) }, uniquingKeysWith: { a, _ in a })
        let newOps = Dictionary(new.metadata.operatorStates.map { ($0.operatorID.hex, $0) }, uniquingKeysWith: { a, _ in a })
        let oldInfo = Dictionary(oldReport.operators.map { ($0.operatorId, $0) }, uniquingKeysWith: { a, _ in a })
        let newInfo = Dictionary(newReport.operators.map { ($0.operatorId, $0) }, uniquingKeysWith: { a, _ in a })
        var ids = new.metadata.operatorStates.map(\.operatorID.hex)
        ids += old.metadata.operatorStates.map(\.operatorID.hex).filter { oldOps[$0] != nil && newOps[$0] == nil }
        for id in ids {
            let a = oldOps[id], b = newOps[id]
            guard operatorSelectors.isEmpty || [a, b].contains(where: { op in op.map(wants) ?? false }) else { continue }
            let name = b?.uid.flatMap { $0.isEmpty ? nil : $0 } ?? a?.displayName ?? id
            let ref = DiffReport.OperatorRef(operatorId: id, uid: (b ?? a)?.uid.flatMap { $0.isEmpty ? nil : $0 })
            if a == nil { report.operatorsAdded.append(ref) }
            if b == nil { report.operatorsRemoved.append(ref) }
            report.compareStructure(name: name, oldInfo[id], newInfo[id], wants: wants(state:))
            if let a, let b, a.maxParallelism != b.maxParallelism,
               [a, b].allSatisfy({ $0.subtaskStates.contains { $0.state?.managedKeyedState != nil } }) {
                report.comparedByKey.append(name)
            }
            try compareKeyed(name: name, a, b, entries: entries, into: &report)
            try compareOperatorStates(name: name, a, b, oldInfo[id], newInfo[id], entries: entries, into: &report)
        }
        try entries?.flush()
        return report
    }

    private func wants(_ op: OperatorState) -> Bool {
        operatorSelectors.isEmpty || operatorSelectors.contains { op.matches($0) }
    }

    private func wants(state name: String) -> Bool { stateNames.isEmpty || stateNames.contains(name) }

    /// A selector matching nothing on either side is a usage error naming what exists.
    private func checkSelectors(_ a: InspectReport, _ b: InspectReport) throws {
        let ops = old.metadata.operatorStates + new.metadata.operatorStates
        for s in operatorSelectors where !ops.contains(where: { $0.matches(s) }) {
            throw SavepointError.usage("--operator \(s) matches no operator; OLD has: \(old.metadata.operatorStates.listing); "
                + "NEW has: \(new.metadata.operatorStates.listing)")
        }
        let selected = (a.operators + b.operators).filter { op in
            operatorSelectors.isEmpty || operatorSelectors.contains { $0 == op.uid || $0.lowercased() == op.operatorId
                || OperatorID(uid: $0).hex == op.operatorId }
        }
        let names = Set(selected.flatMap { $0.states.map(\.name) })
        for s in stateNames where !names.contains(s) {
            throw SavepointError.usage("--state \(s) matches no state of the selected operators; they have "
                + (names.isEmpty ? "no state" : names.sorted().joined(separator: ", ")))
        }
    }

    /// `NATIVE rocksdb savepoint, filesystem storage (LSM), Flink 2.x`.
    static func form(_ r: InspectReport) -> String { "\(r.origin.short) (\(r.form)), Flink \(r.origin.flinkVersion)" }

    private func compareKeyed(name: String, _ a: OperatorState?, _ b: OperatorState?, entries: JSONLinesOutput?,
                              into report: inout DiffReport) throws {
        let oldSide = try a.map { try KeyedSide($0, in: old) } ?? KeyedSide()
        let newSide = try b.map { try KeyedSide($0, in: new) } ?? KeyedSide()
        guard !oldSide.readers.isEmpty || !newSide.readers.isEmpty else { return }
        var diff = KeyedStateDiff(operatorName: name, old: oldSide, new: newSide, stateFilter: wants(state:),
                                  alwaysRendered: alwaysRendered, entries: entries)
        diff.partitionBudget = spillPartitionBytes
        diff.spillDirectory = spillDirectory
        report.states += try diff.run()
    }

    private func compareOperatorStates(name: String, _ a: OperatorState?, _ b: OperatorState?,
                                       _ ia: InspectReport.Operator?, _ ib: InspectReport.Operator?,
                                       entries: JSONLinesOutput?, into report: inout DiffReport) throws {
        let isOperatorState: (InspectReport.State) -> Bool = { $0.kind.hasPrefix("operator") || $0.kind == "broadcast" }
        var states: [InspectReport.State] = []
        for s in (ib?.states ?? []) + (ia?.states ?? []) where isOperatorState(s) && wants(state: s.name)
            && !states.contains(where: { $0.name == s.name }) {
            states.append(s)
        }
        for s in states {
            var c = StateDifference(operator: name, state: s.name, kind: s.kind)
            let oldLines = try a.map { try OperatorStateDiff.lines(of: $0, state: s.name, operatorName: name, in: old) } ?? []
            let newLines = try b.map { try OperatorStateDiff.lines(of: $0, state: s.name, operatorName: name, in: new) } ?? []
            c.oldBytes = a.map { OperatorStateDiff.bytes(of: $0, state: s.name) } ?? 0
            c.newBytes = b.map { OperatorStateDiff.bytes(of: $0, state: s.name) } ?? 0
            try OperatorStateDiff.compare(old: oldLines, new: newLines, kind: s.kind, into: &c, entries: entries)
            report.states.append(c)
        }
    }
}
