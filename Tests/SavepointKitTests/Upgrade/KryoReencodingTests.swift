import Bytes
import CanonicalFormat
import FlinkSerialization
import Foundation
@testable import SavepointKit
import SavepointTestSupport
import Testing

/// The collections fixture's `Types.GENERIC` states (`list`, `map`, `numbers`: ArrayList and HashMap
/// of strings, boxed numbers, nested JDK collections, BigDecimal, BigInteger, UUID): the Kryo 2.24
/// bytes Flink 1.20.5 wrote, re-encoded, are byte for byte what Flink 2.3.0's Kryo 5 wrote for the
/// same job; `upgrade` writes them so (and dump then shows what 2.3.0 wrote, every state).
@Suite struct KryoReencodingTests {
    static let generic = ["list", "map", "numbers"]

    /// The raw values of the `Types.GENERIC` states, by state and key bytes, with their registrations.
    static func values(_ version: String, _ form: String) throws -> (values: [String: [[UInt8]: [UInt8]]], registrations: [String: KryoRegistrations]) {
        try values(path: UpgradeTests.collections(version, form))
    }

    static func values(path: String) throws -> (values: [String: [[UInt8]: [UInt8]]], registrations: [String: KryoRegistrations]) {
        let savepoint = try Savepoint.open(path)
        let op = try #require(savepoint.metadata.operatorStates.first { $0.operatorID.hex == UpgradeTests.collectionsOperator })
        var values: [String: [[UInt8]: [UInt8]]] = [:], registrations: [String: KryoRegistrations] = [:]
        for handle in op.subtaskStates.compactMap(\.state?.managedKeyedState) {
            let reader = try RawKeyedStateReaders.open(handle, of: op, in: savepoint)
            let states = reader.proxy.states
            for meta in states where generic.contains(meta.name) {
                guard case .kryo(let k)? = meta.serializers.first(where: { $0.key == "VALUE_SERIALIZER" })?.snapshot.payload else {
                    Issue.record("\(meta.name): no Kryo snapshot"); continue
                }
                registrations[meta.name] = KryoRegistrations(snapshot: k)
            }
            try reader.forEachKeyGroup { group in
                for e in group.rawEntries where generic.contains(states[e.stateIndex].name) {
                    values[states[e.stateIndex].name, default: [:]][e.key] = e.value
                }
            }
        }
        return (values, registrations)
    }

    @Test(arguments: ["memory", "filesystem", "rocksdb-native"])
    func flink1ValuesBecomeTheBytesFlink2Wrote(_ form: String) throws {
        let old = try Self.values("1.20.5", form), new = try Self.values("2.3.0", form)
        for state in Self.generic {
            let before = try #require(old.values[state]), after = try #require(new.values[state])
            let registrations = try #require(old.registrations[state])
            #expect(before.count == 30 && Set(before.keys) == Set(after.keys), "\(state)")
            for (key, value) in before {
                let reencoded = try value.withUnsafeBufferPointer { try KryoReencoding.kryo5($0, registrations: registrations) }
                #expect(reencoded == after[key], "\(form) \(state) key \(key): \(reencoded) vs \(after[key] ?? [])")
            }
        }
    }

    /// Kryo 5 data decoded and written again is the same bytes (the writer is the decoder's inverse
    /// on what Flink 2.3.0 wrote).
    @Test func flink2ValuesWriteBackUnchanged() throws {
        let new = try Self.values("2.3.0", "filesystem")
        for state in Self.generic {
            let registrations = try #require(new.registrations[state])
            for value in try #require(new.values[state]).values {
                var r = ByteReader(value)
                let object = try KryoDecoding.decodeObject(&r, encoding: .kryo5, registrations: registrations)
                #expect(r.isAtEnd)
                #expect(try KryoWriter.kryo5(object, registrations: registrations) == value, "\(state)")
            }
        }
    }

    /// A value that holds a class Kryo wrote field by field is refused with its class.
    @Test func userClassesAreRefusedByName() throws {
        var name = Array("com.acme.Thing".utf8)
        name[name.count - 1] |= 0x80
        let bytes: [UInt8] = [0x57, 0x01, 0x01, 0x01, 0x00] + name + [0x01, 0x06]
        let registrations = KryoRegistrations(classNames: ["java.util.ArrayList"])
        do {
            _ = try bytes.withUnsafeBufferPointer { try KryoReencoding.kryo5($0, registrations: registrations) }
            Issue.record("re-encoded a user class")
        } catch {
            #expect(KryoReencoding.reason(error).contains("com.acme.Thing"))
        }
    }

    /// The stage on a subtask of the fixture: a value with a user class is recorded against its
    /// state when scanning (and kept), and refuses the state when writing.
    @Test func theStageRefusesByState() throws {
        let savepoint = try Savepoint.open(UpgradeTests.collections("1.20.5", "filesystem"))
        let op = try #require(savepoint.metadata.operatorStates.first { $0.operatorID.hex == UpgradeTests.collectionsOperator })
        let handle = try #require(op.subtaskStates.compactMap(\.state?.managedKeyedState).first)
        let proxy = try RawKeyedStateReaders.open(handle, of: op, in: savepoint).proxy
        let list = try #require(proxy.states.firstIndex { $0.name == "list" })
        var name = Array("com.acme.Thing".utf8)
        name[name.count - 1] |= 0x80
        let userClass: [UInt8] = [0x57, 0x01, 0x01, 0x01, 0x00] + name + [0x01, 0x06]
        let scan = KryoReencoding.Scan()
        let scanning = KryoReencoding.Stage(operatorId: op.operatorID.hex, states: ["list"], scan: scan)
        let transform = try #require(try scanning.bound(to: proxy, keyGroupPrefixBytes: 1).transform)
        #expect(try userClass.withUnsafeBufferPointer { try transform(list, $0) } == nil)
        #expect(scan.refusals[KryoReencoding.Target(operatorId: op.operatorID.hex, state: "list")]?.contains("com.acme.Thing") == true)
        let writing = KryoReencoding.Stage(operatorId: op.operatorID.hex, states: ["list"], scan: nil)
        let strict = try #require(try writing.bound(to: proxy, keyGroupPrefixBytes: 1).transform)
        #expect(throws: MigrationRefusal.self) { try userClass.withUnsafeBufferPointer { try strict(list, $0) } }
    }

    /// The Kryo cases of `fixtures/malformed/cases.jsonl` (the first `list` value's head changed in
    /// place): upgrade refuses them and writes nothing; where the value still frames, the refusal
    /// names the state.
    @Test(arguments: [("57091003", "list (Kryo java.util.ArrayList): a value does not decode as Kryo 2.24: at byte 1: Kryo reference 7"), ("57010003", "list"), ("ff7f011003", nil), ("5701ffffffff0703", nil)] as [(String, String?)])
    func damagedKryoValuesAreRefused(_ replacement: String, _ named: String?) throws {
        let (root, savepoint) = try SalvageDamage.copy("1.20.5/collections/filesystem")
        defer { try? FileManager.default.removeItem(at: root) }
        let metadata = savepoint.appendingPathComponent("_metadata")
        var bytes = try [UInt8](Data(contentsOf: metadata))
        let find: [UInt8] = [0x57, 0x01, 0x10, 0x03]
        let at = try #require(bytes.indices.first { bytes[$0...].starts(with: find) })
        bytes.replaceSubrange(at..<at + find.count, with: stride(from: 0, to: replacement.count, by: 2).map {
            UInt8(replacement.dropFirst($0).prefix(2), radix: 16)!
        })
        try Data(bytes).write(to: metadata)
        let out = root.appendingPathComponent("out")
        do {
            let plan = try UpgradePlan(input: try Savepoint.open(savepoint.path), against: try UpgradeTests.flink2Schema())
            _ = try Upgrader(plan: plan).write(to: out)
            Issue.record("upgraded a damaged Kryo value")
        } catch {
            if let named { #expect("\(error)".contains(named), "\(error)") }
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// The whole fixture upgraded (`--against` the 2.3.0 job's schema): every state's dump, `list`,
    /// `map`, `numbers` and `basket`, equals the 2.3.0 fixture's, and the Kryo states' bytes are
    /// 2.3.0's.
    @Test(arguments: ["filesystem", "rocksdb-native"])
    func upgradedCollectionsAreFlink2s(_ form: String) throws {
        let dir = try Scratch.directory("upgrade-collections")
        defer { try? FileManager.default.removeItem(at: dir) }
        let plan = try UpgradePlan(input: try Savepoint.open(UpgradeTests.collections("1.20.5", form)), against: try UpgradeTests.flink2Schema())
        #expect(plan.upgradable)
        for state in Self.generic {
            #expect(plan.findings.first { $0.state == state }?.verdict == .migrated, "\(state)")
        }
        let out = dir.appendingPathComponent("out")
        let report = try Upgrader(plan: plan).write(to: out)
        #expect(report.verified && report.migratedEntries == 4 * 30)
        let upgraded = try Self.stateLines(out.path), flink2 = try Self.stateLines(UpgradeTests.collections("2.3.0", form))
        #expect(upgraded.count == 4 * 30 && upgraded == flink2, "\(upgraded.count) \(upgraded.symmetricDifference(flink2).sorted().prefix(4))")
        let written = try Self.values(path: out.path), expected = try Self.values("2.3.0", form)
        #expect(written.values == expected.values)
    }

    /// Every keyed entry's dump line but the operator's name (a 1.x savepoint names it by id), by
    /// state and key; timers left out.
    static func stateLines(_ path: String) throws -> Set<String> {
        let output = JSONLinesOutput.inMemory()
        try Dumper(savepoint: try Savepoint.open(path), filter: DumpFilter()).run(into: output)
        try output.flush()
        return Set(String(decoding: output.collected, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard !line.contains("\"kind\":\"timer\""), let state = line.range(of: "\"state\":") else { return nil }
            return String(line[state.lowerBound...])
        })
    }
}
