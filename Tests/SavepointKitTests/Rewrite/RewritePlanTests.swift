import Foundation
@testable import SavepointKit
import SavepointMetadata
import SavepointTestSupport
import Testing

/// The plan: command-line operations, the plan file, and every refusal of `check` before anything
/// is written.
@Suite struct RewritePlanTests {
    /// 2.3.0/basic stores uids: operators counter and source.
    static let sample = Fixture.all.first { $0.form == "filesystem" && $0.directory.path.contains("/2.3.0/basic/") }

    func writePlan(_ text: String) throws -> (URL, String) {
        let dir = try Scratch.directory("plan")
        let file = dir.appendingPathComponent("plan.json")
        try Data(text.utf8).write(to: file)
        return (dir, file.path)
    }

    func usageMessage(_ body: () throws -> Void) -> String? {
        do { try body() } catch let SavepointError.usage(message) { return message } catch {
            return "not a usage error: \(error)"
        }
        return nil
    }

    @Test func commandLineOperations() throws {
        #expect(try RewritePlan.setUid("counter=counter-v2") == .setUid(operator: "counter", uid: "counter-v2"))
        #expect(try RewritePlan.setUid("a=b=c") == .setUid(operator: "a", uid: "b=c"), "the first = splits")
        let id = try #require(OperatorID(hex: "0da08f51eaa85fc298e176a139b3649a"))
        #expect(try RewritePlan.setOperatorID("source=0DA08F51EAA85FC298E176A139B3649A") == .setOperatorID(operator: "source", id: id))
        #expect(try RewritePlan.removeOperator("window") == .removeOperator(operator: "window"))
        #expect(try RewritePlan.renameState("counter/count=total") == .renameState(operator: "counter", state: "count", to: "total"))
        #expect(try RewritePlan.renameState("counter/a/b=c=d") == .renameState(operator: "counter", state: "a/b", to: "c=d"),
                "the operator ends at the first /, the state at the first = after it")
        for bad in ["counter", "counter/count", "/count=total", "counter/=total", "counter/count="] {
            #expect(usageMessage { _ = try RewritePlan.renameState(bad) }?.contains("--rename-state takes OP/OLD=NEW") == true, "\(bad)")
        }
        for bad in ["counter", "=new", "old=", ""] {
            #expect(usageMessage { _ = try RewritePlan.setUid(bad) }?.contains("--set-uid takes OLD=NEW") == true, "\(bad)")
        }
        #expect(usageMessage { _ = try RewritePlan.setOperatorID("source=abc") }?.contains("not an operator id") == true)
    }

    @Test func planFileRoundTrips() throws {
        let id = try #require(OperatorID(hex: "0da08f51eaa85fc298e176a139b3649a"))
        let plan = RewritePlan(operations: [.setUid(operator: "counter", uid: "counter-v2"),
                                            .setOperatorID(operator: "window", id: id), .removeOperator(operator: "source"),
                                            .renameState(operator: "counter", state: "count", to: "total")])
        let (dir, path) = try writePlan(String(decoding: try ReportJSON.encode(plan), as: UTF8.self))
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try RewritePlan.read(file: path) == plan)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\"operation\": \"set-uid\"") && text.contains("\"version\": 1"), "\(text)")
    }

    @Test(arguments: [
        ("[]", "one JSON object"),
        ("{\"operations\": []}", "version is missing"),
        ("{\"version\": 2, \"operations\": []}", "version 2 is not a plan version"),
        ("{\"version\": 1}", "operations must be a list"),
        ("{\"version\": 1, \"operations\": [{\"operation\": \"max-parallelism\", \"operator\": \"counter\", \"to\": \"256\"}]}",
         "operations[0]: max-parallelism is not built yet"),
        ("{\"version\": 1, \"operations\": [{\"operation\": \"rename-state\", \"operator\": \"counter\", \"to\": \"x\"}]}",
         "operations[0].state is missing"),
        ("{\"version\": 1, \"operations\": [{\"operation\": \"set-uid\", \"operator\": \"a\", \"to\": \"b\"}, {\"operation\": \"rename\"}]}",
         "operations[1]: no operation rename; the operations are set-uid"),
        ("{\"version\": 1, \"operations\": [{\"operation\": \"set-uid\", \"operator\": \"counter\"}]}", "operations[0].to is missing"),
        ("{\"version\": 1, \"operations\": [{\"operation\": \"set-uid\", \"operator\": 7, \"to\": \"b\"}]}",
         "operations[0].operator must be a uid"),
        ("{\"version\": 1, \"operations\": [{\"operation\": \"set-operator-id\", \"operator\": \"a\", \"to\": \"xyz\"}]}",
         "operations[0].to: xyz is not an operator id"),
        ("{\"version\": 1, \"operations\": [", "not valid JSON"),
    ])
    func badPlanFilesAreRefusedNamingWhere(_ text: String, _ expected: String) throws {
        let (dir, path) = try writePlan(text)
        defer { try? FileManager.default.removeItem(at: dir) }
        let message = usageMessage { _ = try RewritePlan.read(file: path) }
        #expect(message?.contains(path) == true && message?.contains(expected) == true, "\(message ?? "accepted")")
    }

    @Test func missingPlanFileIsNamed() {
        #expect(throws: SavepointError.self) { try RewritePlan.read(file: "/nonexistent/plan.json") }
    }

    @Test func checkResolvesOperatorsByUidIdOrHash() throws {
        let savepoint = try Savepoint.open(try #require(Self.sample).savepointPath)
        let counterHex = OperatorID(uid: "counter").hex
        let changes = try RewritePlan(operations: [.setUid(operator: counterHex, uid: "counter-v2"),
                                                   .removeOperator(operator: "source")]).check(against: savepoint)
        #expect(changes.count == 2)
        let renamed = try #require(changes.first { !$0.removed })
        #expect(renamed.before.uid == "counter" && renamed.newID == OperatorID(uid: "counter-v2") && renamed.newUid == "counter-v2")
        #expect(changes.contains { $0.removed && $0.before.uid == "source" })
    }

    @Test(arguments: [
        ([RewritePlan.Operation.setUid(operator: "nosuch", uid: "x")], "no operator nosuch; the savepoint has: "),
        ([.removeOperator(operator: "counter"), .setUid(operator: "counter", uid: "counter-v2")],
         "--remove-operator counter and --set-uid counter=counter-v2 contradict"),
        ([.setUid(operator: "counter", uid: "a"), .setUid(operator: "counter", uid: "b")], "contradict"),
        ([.setUid(operator: "counter", uid: "source")], "is already operator source"),
        ([.setUid(operator: "counter", uid: "same"), .setUid(operator: "source", uid: "same")],
         "both operators would have id \(OperatorID(uid: "same").hex)"),
        ([.renameState(operator: "counter", state: "nosuch", to: "x")],
         "operator counter has no state nosuch; it has: buckets, count, events, _timer_state/processing_user-timers"),
        ([.renameState(operator: "counter", state: "count", to: "events")], "operator counter already has a state events"),
        ([.renameState(operator: "counter", state: "count", to: "a"), .renameState(operator: "counter", state: "count", to: "b")],
         "one state, two new names"),
        ([.renameState(operator: "counter", state: "count", to: "a"), .renameState(operator: "counter", state: "events", to: "a")],
         "two states would be named a"),
        ([.renameState(operator: "counter", state: "count", to: "a"), .removeOperator(operator: "counter")],
         "--remove-operator counter and --rename-state counter/count=a contradict"),
        ([.renameState(operator: "counter", state: "_timer_state/processing_user-timers", to: "t")], "holds timers"),
        ([.dropState(operator: "counter", state: "nosuch")],
         "--drop-state counter/nosuch: operator counter has no state nosuch; it has: buckets, count, events, _timer_state/processing_user-timers"),
        ([.dropState(operator: "counter", state: "count"), .renameState(operator: "counter", state: "count", to: "total")],
         "--drop-state counter/count and --rename-state counter/count=total contradict: one state dropped and renamed"),
        ([.dropState(operator: "counter", state: "count"), .removeOperator(operator: "counter")],
         "--remove-operator counter and --drop-state counter/count contradict"),
    ])
    func contradictionsAndUnknownOperatorsAreRefused(_ operations: [RewritePlan.Operation], _ expected: String) throws {
        let savepoint = try Savepoint.open(try #require(Self.sample).savepointPath)
        let message = usageMessage { try RewritePlan(operations: operations).check(against: savepoint) }
        #expect(message?.contains(expected) == true, "\(message ?? "accepted")")
        if expected.hasPrefix("no operator") { #expect(message?.contains("counter (\(OperatorID(uid: "counter").hex))") == true) }
    }

    /// Swapping two uids, or taking the uid of an operator that is removed, leaves ids distinct.
    @Test func swapsAndTakingARemovedOperatorsUidAreAllowed() throws {
        let savepoint = try Savepoint.open(try #require(Self.sample).savepointPath)
        try RewritePlan(operations: [.setUid(operator: "counter", uid: "source"), .setUid(operator: "source", uid: "counter")])
            .check(against: savepoint)
        try RewritePlan(operations: [.removeOperator(operator: "source"), .setUid(operator: "counter", uid: "source")])
            .check(against: savepoint)
        try RewritePlan(operations: [.setUid(operator: "counter", uid: "counter")]).check(against: savepoint)
        let both = try RewritePlan(operations: [.renameState(operator: "counter", state: "count", to: "total"),
                                                .setUid(operator: "counter", uid: "c2")]).check(against: savepoint)
        #expect(both.count == 1 && both[0].stateRenames == ["count": "total"] && both[0].newUid == "c2")
    }

    /// Operator state is not renamed or dropped yet: refused as unsupported, not as usage; the LSM
    /// form is renamed (through the pipeline), and a rename onto a state dropped in the same plan
    /// is no contradiction.
    @Test func operatorStateIsNotRenamedYetButTheLSMFormIs() throws {
        let fs = try Savepoint.open(try #require(Self.sample).savepointPath)
        #expect(throws: SavepointError.self) {
            try RewritePlan(operations: [.renameState(operator: "source", state: "offsets", to: "o")]).check(against: fs)
        }
        #expect(throws: SavepointError.self) {
            try RewritePlan(operations: [.dropState(operator: "source", state: "offsets")]).check(against: fs)
        }
        let native = try #require(Fixture.all.first { $0.form == "rocksdb-native" && $0.directory.path.contains("/2.3.0/basic/") })
        let changes = try RewritePlan(operations: [.renameState(operator: "counter", state: "count", to: "total")])
            .check(against: try Savepoint.open(native.savepointPath))
        #expect(changes.first?.stateRenames == ["count": "total"])
        let swap = try RewritePlan(operations: [.dropState(operator: "counter", state: "events"),
                                                .renameState(operator: "counter", state: "count", to: "events")]).check(against: fs)
        #expect(swap.first?.droppedStates == ["events"] && swap.first?.stateRenames == ["count": "events"])
    }

    /// A purge of every TTL state leaves a removed operator alone (no contradiction), and purges
    /// the TTL states of the others.
    @Test func purgeEverywhereSkipsRemovedOperators() throws {
        let types = try #require(Fixture.all.first { $0.form == "filesystem" && $0.directory.path.contains("/2.3.0/types/") })
        let savepoint = try Savepoint.open(types.savepointPath)
        let purge = RewritePlan.Operation.purgeExpiredTTL(operator: nil, state: nil, ttl: "1d")
        let kept = try RewritePlan(operations: [purge]).check(against: savepoint)
        #expect(kept.count == 1 && kept[0].ttlPurges == ["ttlValue": 86_400_000, "ttlMap": 86_400_000])
        let removed = try RewritePlan(operations: [purge, .removeOperator(operator: "types")]).check(against: savepoint)
        #expect(removed.count == 1 && removed[0].removed && removed[0].ttlPurges.isEmpty)
    }

    @Test func dropStateParsesAndRoundTrips() throws {
        #expect(try RewritePlan.dropState("counter/a/b") == .dropState(operator: "counter", state: "a/b"))
        for bad in ["counter", "/x", "counter/"] {
            #expect(usageMessage { _ = try RewritePlan.dropState(bad) }?.contains("--drop-state takes OP/STATE") == true, "\(bad)")
        }
        #expect(try RewritePlan.deleteKeys("counter=k.jsonl") == .deleteKeys(operator: "counter", file: "k.jsonl"))
        #expect(try RewritePlan.purgeExpiredTTL("36h") == .purgeExpiredTTL(operator: nil, state: nil, ttl: "36h"))
        #expect(try RewritePlan.purgeExpiredTTL("types/a=b=15min") == .purgeExpiredTTL(operator: "types", state: "a=b", ttl: "15min"))
        #expect(try TTLPurgeStage.duration("3650d", option: "") == 3650 * 86_400_000)
        #expect(try TTLPurgeStage.duration("500ms", option: "") == 500 && TTLPurgeStage.duration("2m", option: "") == 120_000)
        for bad in ["1y", "h", "-3d", "types/ttl=", "types/ttl=x"] {
            #expect(usageMessage { _ = try RewritePlan.purgeExpiredTTL(bad) } != nil, "\(bad)")
        }
        let plan = RewritePlan(operations: [.dropState(operator: "counter", state: "events"),
                                            .deleteKeys(operator: "counter", file: "bad.jsonl"),
                                            .keepKeys(operator: "counter", file: "good.jsonl"),
                                            .purgeExpiredTTL(operator: nil, state: nil, ttl: "36h"),
                                            .purgeExpiredTTL(operator: "types", state: "ttlValue", ttl: "1d")])
        let data = try JSONEncoder().encode(plan)
        #expect(String(decoding: data, as: UTF8.self).contains("\"operation\":\"drop-state\""))
        #expect(String(decoding: data, as: UTF8.self).contains("\"file\":\"bad.jsonl\""))
        #expect(try JSONDecoder().decode(RewritePlan.self, from: data) == plan)
    }
}
