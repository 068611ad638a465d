import CanonicalFormat
import Foundation
import SavepointMetadata
import Testing
@testable import SavepointKit
import SavepointTestSupport

/// The pipeline between a raw reader and a writer: stages change the meta information and the
/// entries, and a digest of the staged reader is the digest of the input with the plan applied
/// (what verification compares the output with). No stages: the raw reader itself (convert).
@Suite struct KeyedPipelineTests {
    static let basic = Fixture.all.filter {
        $0.directory.path.contains("/2.3.0/basic/") && ["filesystem", "hashmap-native", "rocksdb-native"].contains($0.form)
    }

    @Test(arguments: basic)
    func stagedDigestIsTheInputsWithThePlanApplied(_ fixture: Fixture) throws {
        let savepoint = try Savepoint.open(fixture.savepointPath)
        let op = try #require(savepoint.metadata.operatorStates.first { $0.operatorID == OperatorID(uid: "counter") })
        let stages: [any KeyedEntryStage] = [DropStatesStage(names: ["events"]), RenameStatesStage(renames: ["count": "total"])]
        let pipeline = KeyedPipeline(metadata: savepoint.metadata, stages: [op.operatorID: stages])
        let identity = KeyedPipeline.identity(savepoint.metadata)
        var subtasks = 0
        for (subtask, handle) in op.subtaskStates.compactMap({ s in s.state?.managedKeyedState.map { (s.subtaskIndex, $0) } }) {
            let raw = try RawKeyedStateReaders.open(handle, of: op, in: savepoint)
            let untouched = try identity.reader(handle, of: op, subtask: subtask, in: savepoint)
            #expect(type(of: untouched) == type(of: raw), "no stages: the raw reader as it is")
            let staged = try pipeline.reader(handle, of: op, subtask: subtask, in: savepoint)
            let names = raw.proxy.states.map(\.name)
            #expect(staged.proxy.states.map(\.name) == names.filter { $0 != "events" }.map { $0 == "count" ? "total" : $0 })
            let input = try raw.digest(), output = try staged.digest()
            #expect(output.states["events"] == nil && output.states["count"] == nil)
            #expect(output.states["total"] == input.states["count"] && output.states["total"] != nil)
            for name in names where !["events", "count"].contains(name) { #expect(output.states[name] == input.states[name], "\(name)") }
            // Entries stay in canonical order with their new indexes.
            try staged.forEachKeyGroup { group in
                #expect(group.isInCanonicalOrder)
                group.forEach { index, _, _ in #expect(index < staged.proxy.states.count) }
            }
            subtasks += 1
        }
        #expect(subtasks == 2)
        let tally = try #require(pipeline.tallies[op.operatorID])
        // Each subtask was read twice above (digest, then key groups): 2 × the 300 events.
        #expect(tally.read["events"] == 2 * 300 && tally.kept["events"] == nil && tally.kept["total"] == tally.read["count"])
    }
}
