import Foundation
import SavepointKit
import SavepointMetadata
import Testing
import SavepointTestSupport

/// `LSMRawKeyedStateReader` against the dump path: over every LSM fixture (native savepoints and
/// retained incremental checkpoints) it yields exactly the entries that decoding with
/// `FlinkRocksDBState.forEachEntry` and encoding back with `encodeCanonical` gives, key group by
/// key group in canonical order.
@Suite struct LSMConvertReaderTests {
    static let lsm = Fixture.all.filter(\.isLSM)

    @Test func lsmFixturesArePresent() {
        let forms = Set(Self.lsm.map(\.form))
        for form in ["rocksdb-native", "rocksdb-heap-timers-native", "rocksdb-incremental-checkpoint"] {
            #expect(forms.contains(form), "no \(form) fixture under \(Fixture.root.path)")
        }
    }

    @Test(arguments: lsm)
    func rawEntriesEqualDecodedAndReencoded(_ fixture: Fixture) throws {
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        var handles = 0, total = 0
        for (op, keyed) in LSMConvertSupport.keyedHandles(savepoint) {
            guard case let .incrementalRemote(handle) = keyed else { continue }
            handles += 1
            let reader = try LSMRawKeyedStateReader(savepoint: savepoint, handle: handle, of: op)
            #expect(reader.keyGroupRange == handle.keyGroupRange)
            #expect(reader.proxy.states.map(\.name) == reader.state.proxy.states.map(\.name))
            let (entries, problems) = try LSMConvertSupport.collect(reader)
            #expect(problems.isEmpty, "\(fixture) \(op.displayName): \(problems.prefix(5))")
            let expected = LSMConvertSupport.sorted(try LSMConvertSupport.decodedAndReencoded(reader.state))
            #expect(entries.count == expected.count, "\(fixture) \(op.displayName)")
            #expect(LSMConvertSupport.sorted(entries) == expected, "\(fixture) \(op.displayName)")
            total += entries.count
        }
        #expect(handles > 0 && total > 0, "\(fixture): no LSM entries read")
    }

    /// A reader restricted to part of the instance's key groups hands out only those (what Flink's
    /// clipping does to a DB restored at a smaller range).
    @Test func keyGroupsOutsideTheRangeAreSkipped() throws {
        let fixture = try #require(Self.lsm.first { $0.form == "rocksdb-native" })
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        let (op, keyed) = try #require(LSMConvertSupport.keyedHandles(savepoint).first {
            if case .incrementalRemote = $0.handle { return true } else { return false }
        })
        guard case let .incrementalRemote(handle) = keyed else { return }
        let full = try LSMRawKeyedStateReader(savepoint: savepoint, handle: handle, of: op)
        let all = try LSMConvertSupport.collect(full).entries
        let half = KeyGroupRange(startKeyGroup: handle.keyGroupRange.startKeyGroup,
                                 numberOfKeyGroups: handle.keyGroupRange.numberOfKeyGroups / 2)
        let clipped = LSMRawKeyedStateReader(state: full.state, keyGroupRange: half, maxParallelism: op.maxParallelism)
        let (entries, problems) = try LSMConvertSupport.collect(clipped)
        #expect(problems.isEmpty)
        let prefix = full.state.keyGroupPrefixBytes
        let expected = all.filter { half.contains($0.key.prefix(prefix).reduce(0) { $0 << 8 | Int($1) }) }
        #expect(!expected.isEmpty && expected.count < all.count)
        #expect(entries == expected)
    }
}
