import Bytes
import CanonicalFormat
import FlinkSerialization
import Foundation
@testable import SavepointKit
import SavepointMetadata
import SavepointTestSupport
import Testing

/// `KeyGroupAssigner` against real Flink: in every committed fixture (every version, shape and
/// form), each keyed entry's and timer's stored key-group prefix is the key group computed from
/// its key's bytes, which is the key group Flink itself assigned.
@Suite struct KeyGroupAssignerTests {
    @Test(arguments: Fixture.all)
    func everyStoredPrefixIsTheComputedKeyGroup(_ fixture: Fixture) throws {
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        var checked = 0, timers = 0, mismatches: [String] = []
        for (op, handle) in LSMConvertSupport.keyedHandles(savepoint) {
            let reader = try RawKeyedStateReaders.open(handle, of: op, in: savepoint)
            let assigner = try KeyGroupAssigner(proxy: reader.proxy)
            let prefixBytes = FlinkHashing.keyGroupPrefixBytes(maxParallelism: op.maxParallelism)
            try reader.forEachKeyGroup { group in
                try group.forEach { stateIndex, key, _ in
                    let stored = key.prefix(prefixBytes).reduce(0) { $0 << 8 | Int($1) }
                    let computed = try assigner.keyGroup(
                        stateIndex: stateIndex, keyAfterPrefix: UnsafeBufferPointer(rebasing: key[prefixBytes...]),
                        maxParallelism: op.maxParallelism)
                    if stored != computed || stored != group.keyGroup, mismatches.count < 5 {
                        mismatches.append("\(reader.proxy.states[stateIndex].name): \(Array(key).hexString) stored \(stored), computed \(computed)")
                    }
                    checked += 1
                    if reader.proxy.states[stateIndex].backendStateType == .priorityQueue { timers += 1 }
                }
            }
        }
        #expect(mismatches.isEmpty, "\(fixture): \(mismatches)")
        #expect(checked > 0, "\(fixture): no keyed entries")
        // Every shape registers timers, and only Flink's native savepoints of heap timers leave them out.
        if fixture.form != "rocksdb-heap-timers-native" { #expect(timers > 0, "\(fixture): no timers checked") }
    }

    /// Keys whose hashCode is user code or an identity hash are refused, named as the user knows them.
    @Test func otherKeyTypesAreRefusedByName() throws {
        let fixture = try #require(Fixture.all.first { $0.description == "2.3.0/types/filesystem" })
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        let (op, handle) = try #require(LSMConvertSupport.keyedHandles(savepoint).first)
        let proxy = try RawKeyedStateReaders.open(handle, of: op, in: savepoint).proxy
        func snapshot(_ state: String) throws -> SerializerSnapshot {
            try #require(proxy.states.first { $0.name == state }?.valueSerializer)
        }
        for (state, named) in [("pojo", "POJO "), ("color", "Enum ")] {
            var keyedByIt = proxy
            keyedByIt.keySerializer = try snapshot(state)
            do {
                _ = try KeyGroupAssigner(proxy: keyedByIt)
                Issue.record("keys of state \(state)'s type were accepted")
            } catch let e as RekeyError {
                guard case let .unhashableKey(type) = e else { Issue.record("\(e)"); continue }
                #expect(type.hasPrefix(named) && type.contains("savepointfixtures"), "\(type)")
                #expect(e.description.contains(type))
            }
        }
        // Tuple2 and Row of hashable fields are accepted.
        #expect(try KeyHash(try snapshot("tuple")) != .string)
        if case .row = try KeyHash(try snapshot("row")) {} else { Issue.record("Row not planned as a row") }
    }
}
