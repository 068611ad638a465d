import Foundation
import SavepointMetadata
import Testing
import SavepointTestSupport
@testable import SavepointKit

/// Deep checks run their parts side by side: the report (findings in order, their caps and
/// counts, what was checked) must be the one running them one at a time gives.
@Suite struct SideBySideTests {
    /// Findings of three kinds, interleaved, many more of one kind than the cap.
    static func findings() -> [Finding] {
        (0..<40).map { i in
            let code: FindingCode = i % 3 == 0 ? .keyGroupMismatch : (i % 3 == 1 ? .undecodableEntry : .notChecked)
            let state = i % 5 == 0 ? "other" : "count"
            return Finding(i % 2 == 0 ? .error : .warning, code, "finding \(i)",
                           at: FindingLocation(operatorId: "op", state: state, keyGroup: i))
        }
    }

    @Test(arguments: [1, 3, 20])
    func aLogAppendedIsTheLogOfItsFindingsAddedInTurn(limit: Int) {
        let all = Self.findings()
        var inTurn = FindingLog(limitPerCheck: limit)
        all.forEach { inTurn.add($0) }
        for cut in [0, 1, 7, 20, 39, 40] {
            for second in [cut, (cut + all.count) / 2] {
                // Three logs, each filled on its own, appended in order.
                var logs = [FindingLog](repeating: FindingLog(limitPerCheck: limit), count: 3)
                for (i, finding) in all.enumerated() { logs[i < cut ? 0 : (i < second ? 1 : 2)].add(finding) }
                var joined = FindingLog(limitPerCheck: limit)
                logs.forEach { joined.append($0) }
                #expect(joined.findings == inTurn.findings, "limit \(limit), cut at \(cut) and \(second)")
            }
        }
        #expect(limit >= 20 || inTurn.findings.contains { ($0.similarNotListed ?? 0) > 0 })
    }

    /// A copy of a fixture whose keyed operator's max parallelism is one less: (nearly) every key
    /// of every subtask and state hashes to another key group, far more findings than the cap.
    static func misplacedKeys(_ form: String, _ body: (String) throws -> Void) throws {
        let fixture = try #require(Fixture.all.first { $0.form == form && $0.directory.path.contains("2.3.0/basic") })
        let dir = try Scratch.directory("side-by-side")
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("savepoint")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: fixture.savepointPath), to: copy)
        let metadataFile = copy.appendingPathComponent("_metadata")
        var metadata = try CheckpointMetadata.read(from: Array(try Data(contentsOf: metadataFile)))
        let i = try #require(metadata.operatorStates.firstIndex { $0.subtaskState(0)?.managedKeyedState != nil })
        metadata.operatorStates[i].maxParallelism -= 1
        try Data(try metadata.serialized()).write(to: metadataFile)
        try body(copy.path)
    }

    @Test(arguments: ["rocksdb-native", "filesystem"])
    func theReportDoesNotDependOnHowManyPartsRunAtOnce(form: String) throws {
        try Self.misplacedKeys(form) { path in
            let savepoint = try Savepoint.open(path)
            let reports = [1, 2, 4, 16].map { jobs in
                Validator(savepoint: savepoint, options: .init(deep: true, jobs: jobs)).run()
            }
            let first = reports[0]
            #expect(first.findings.filter { $0.code == .keyGroupMismatch }.count > 20)
            #expect(first.findings.contains { ($0.similarNotListed ?? 0) > 0 })
            #expect(Set(first.findings.compactMap(\.location.subtask)) == [0, 1])
            for report in reports.dropFirst() {
                #expect(report.findings == first.findings)
                #expect(report.checked == first.checked)
            }
        }
    }
}
