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
        for handle in op.subtaskStates.compactMap(\.state?.managedKeyedState) {
            let raw = try RawKeyedStateReaders.open(handle, of: op, in: savepoint)
            let untouched = try identity.reader(handle, of: op, in: savepoint)
            #expect(type(of: untouched) == type(of: raw), "no stages: the raw reader as it is")
            let staged = try pipeline.reader(handle, of: op, in: savepoint)
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

    /// Appends 0xEE to every value of one state; `names` says whether it tells the reader which.
    struct MarkValues: KeyedEntryStage {
        let state: String
        let names: Bool
        func bound(to input: KeyedBackendSerializationProxy, keyGroupPrefixBytes: Int) throws -> BoundEntryStage {
            let index = try #require(input.states.firstIndex { $0.name == state })
            return BoundEntryStage(proxy: input, rewrite: { i, value, out in
                guard i == index else { return false }
                out.append(contentsOf: value)
                out.append(0xEE)
                return true
            }, transformedStates: names ? [index] : nil)
        }
    }

    /// A transform naming the states it changes takes the path that copies the other states' runs
    /// whole: the same entries, in canonical order, and the same tallies as entry by entry.
    @Test(arguments: basic)
    func transformOfNamedStatesCopiesTheOthersAsRead(_ fixture: Fixture) throws {
        let savepoint = try Savepoint.open(fixture.savepointPath)
        let op = try #require(savepoint.metadata.operatorStates.first { $0.operatorID == OperatorID(uid: "counter") })
        let named = KeyedPipeline(metadata: savepoint.metadata, stages: [op.operatorID: [MarkValues(state: "count", names: true)]])
        let each = KeyedPipeline(metadata: savepoint.metadata, stages: [op.operatorID: [MarkValues(state: "count", names: false)]])
        var marked = 0
        for handle in op.subtaskStates.compactMap(\.state?.managedKeyedState) {
            let raw = try RawKeyedStateReaders.open(handle, of: op, in: savepoint)
            let count = try #require(raw.proxy.states.firstIndex { $0.name == "count" })
            func entries(_ reader: any RawKeyedStateReader) throws -> [RawKeyedEntry] {
                var out: [RawKeyedEntry] = []
                try reader.forEachKeyGroup { group in
                    #expect(group.isInCanonicalOrder)
                    out += group.rawEntries
                }
                return out
            }
            let input = try entries(raw), fast = try entries(named.reader(handle, of: op, in: savepoint))
            #expect(fast == (try entries(each.reader(handle, of: op, in: savepoint))))
            #expect(fast == input.map { e in
                e.stateIndex == count ? RawKeyedEntry(stateIndex: e.stateIndex, key: e.key, value: e.value + [0xEE]) : e
            })
            marked += input.filter { $0.stateIndex == count }.count
        }
        #expect(marked == 300)
        let a = try #require(named.tallies[op.operatorID]), b = try #require(each.tallies[op.operatorID])
        #expect(a.read == b.read && a.kept == b.kept && a.kept["count"] == 300)
    }

    /// Splices `events` values (drop their first 12 bytes, put 0xAB 0xCD there) by hand; a value
    /// too short for that gets 0xEE appended instead. `declares`: the stage also names the splice,
    /// so the reader splices fitting values itself.
    struct SpliceEvents: KeyedEntryStage {
        let declares: Bool
        static let splice = ValueSplice(keep: 0, insert: [0xAB, 0xCD], drop: 12)
        func bound(to input: KeyedBackendSerializationProxy, keyGroupPrefixBytes: Int) throws -> BoundEntryStage {
            let index = try #require(input.states.firstIndex { $0.name == "events" })
            var stage = BoundEntryStage(proxy: input, rewrite: { i, value, out in
                guard i == index else { return false }
                if value.count >= 12 {
                    out.append(contentsOf: Self.splice.insert)
                    out.append(contentsOf: value[12...])
                } else {
                    out.append(contentsOf: value)
                    out.append(0xEE)
                }
                return true
            }, transformedStates: [index])
            if declares { stage.splices = [index: Self.splice] }
            return stage
        }
    }

    /// A declared splice gives the entries the stage's own rewrite gives: values it fits spliced
    /// by the reader, the others through the rewrite (both kinds occur here).
    @Test(arguments: basic)
    func declaredSplicesGiveWhatTheRewriteGives(_ fixture: Fixture) throws {
        let savepoint = try Savepoint.open(fixture.savepointPath)
        let op = try #require(savepoint.metadata.operatorStates.first { $0.operatorID == OperatorID(uid: "counter") })
        let declared = KeyedPipeline(metadata: savepoint.metadata, stages: [op.operatorID: [SpliceEvents(declares: true)]])
        let closure = KeyedPipeline(metadata: savepoint.metadata, stages: [op.operatorID: [SpliceEvents(declares: false)]])
        var (fits, short) = (0, 0)
        for handle in op.subtaskStates.compactMap(\.state?.managedKeyedState) {
            let raw = try RawKeyedStateReaders.open(handle, of: op, in: savepoint)
            let events = try #require(raw.proxy.states.firstIndex { $0.name == "events" })
            func entries(_ reader: any RawKeyedStateReader) throws -> [RawKeyedEntry] {
                var out: [RawKeyedEntry] = []
                try reader.forEachKeyGroup { out += $0.rawEntries }
                return out
            }
            let input = try entries(raw)
            #expect(try entries(declared.reader(handle, of: op, in: savepoint)) == entries(closure.reader(handle, of: op, in: savepoint)))
            #expect(try entries(declared.reader(handle, of: op, in: savepoint)) == input.map { e in
                guard e.stateIndex == events else { return e }
                let value = e.value.count >= 12 ? [0xAB, 0xCD] + e.value[12...] : e.value + [0xEE]
                return RawKeyedEntry(stateIndex: e.stateIndex, key: e.key, value: value)
            })
            fits += input.filter { $0.stateIndex == events && $0.value.count >= 12 }.count
            short += input.filter { $0.stateIndex == events && $0.value.count < 12 }.count
        }
        #expect(fits > 0 && short > 0)
    }
}
