import Bytes
import CanonicalFormat
import Foundation
@testable import SavepointKit
import SavepointMetadata
import SavepointTestSupport
import Testing

/// `KeyGroupRekeying` over real Flink's savepoints: every entry and timer lands in the key group
/// Flink assigns it under the new max parallelism, on the subtask that owns that key group, in
/// the order writers want, with nothing lost or added; moving back gives the input exactly.
@Suite struct KeyGroupRekeyingTests {
    /// One fixture per shape and key-group prefix width, in both layouts.
    static let fixtures = Fixture.all.filter {
        ["2.3.0/basic/filesystem", "2.3.0/basic/rocksdb-native", "2.3.0/types/hashmap-native",
         "2.3.0/window/rocksdb-canonical", "1.20.5/window/rocksdb-native"].contains($0.description)
            || ($0.description.hasPrefix("1.18.1/basic/") && $0.form == "filesystem")
    }

    /// An operator's subtask readers, by subtask.
    static func operators(_ savepoint: Savepoint) throws -> [(op: OperatorState, readers: [any RawKeyedStateReader])] {
        try savepoint.metadata.operatorStates.compactMap { op in
            let readers = try op.subtaskStates.compactMap(\.state?.managedKeyedState).map {
                try RawKeyedStateReaders.open($0, of: op, in: savepoint)
            }
            return readers.isEmpty ? nil : (op, readers)
        }
    }

    /// (state name, key after prefix, value) of every entry: what re-keying must keep.
    static func contents(_ readers: [any RawKeyedStateReader]) throws -> [String] {
        var out: [String] = []
        for r in readers {
            let prefix = FlinkHashing.keyGroupPrefixBytes(maxParallelism: r.maxParallelism)
            try r.forEachKeyGroup { group in
                for e in group.rawEntries {
                    out.append("\(r.proxy.states[e.stateIndex].name) \(Array(e.key.dropFirst(prefix)).hexString) \(e.value.hexString)")
                }
            }
        }
        return out.sorted()
    }

    @Test func fixturesArePresent() {
        #expect(Self.fixtures.count >= 6)
        #expect(Self.fixtures.contains { $0.description.hasPrefix("1.18.1") })
    }

    @Test(arguments: fixtures)
    func entriesMoveToFlinksKeyGroupAndBack(_ fixture: Fixture) throws {
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        let spill = try Scratch.directory("rekey")
        defer { try? FileManager.default.removeItem(at: spill) }
        var moved = 0
        for (op, readers) in try Self.operators(savepoint) {
            let before = try Self.contents(readers)
            // Up across the 1-byte/2-byte prefix boundary (or down across it), in small runs.
            let target = op.maxParallelism <= 128 ? 256 : 128
            let rekeyed = try KeyGroupRekeying(readers: readers, maxParallelism: target, parallelism: op.parallelism,
                                               spillDirectory: spill, memoryBudget: 4096)
            #expect(rekeyed.runs.count > 1, "\(fixture): one run only, the merge is not exercised")
            #expect(rekeyed.subtaskReaders.count == op.parallelism)
            let assigner = try KeyGroupAssigner(proxy: rekeyed.proxy)
            var covered = 0
            for (i, reader) in rekeyed.subtaskReaders.enumerated() {
                #expect(reader.keyGroupRange == KeyGroupRange(maxParallelism: target, parallelism: op.parallelism, subtaskIndex: i))
                covered += reader.keyGroupRange.numberOfKeyGroups
                let (entries, problems) = try LSMConvertSupport.collect(reader)
                #expect(problems.isEmpty, "\(fixture) \(op.displayName) subtask \(i): \(problems.prefix(3))")
                let prefix = FlinkHashing.keyGroupPrefixBytes(maxParallelism: target)
                for e in entries {
                    let keyGroup = e.key.prefix(prefix).reduce(0) { $0 << 8 | Int($1) }
                    let computed = try Array(e.key.dropFirst(prefix)).withUnsafeBufferPointer {
                        try assigner.keyGroup(stateIndex: e.stateIndex, keyAfterPrefix: $0, maxParallelism: target)
                    }
                    #expect(keyGroup == computed)
                }
                moved += entries.count
            }
            #expect(covered == target)
            #expect(try Self.contents(rekeyed.subtaskReaders) == before, "\(fixture) \(op.displayName)")
            #expect(rekeyed.entriesPerState.values.reduce(0, +) == Int64(before.count))

            // And back: the input's own entries, subtask by subtask, prefixes included.
            let back = try KeyGroupRekeying(readers: rekeyed.subtaskReaders, maxParallelism: op.maxParallelism,
                                            parallelism: op.parallelism, spillDirectory: spill)
            // Below the budget, each input subtask's one run stays in memory: nothing is written to disk.
            #expect(!back.runs.isEmpty && back.runs.count <= readers.count && back.runs.allSatisfy { $0.url == nil })
            // Above it, the runs of a partition went to disk; the last ones kept in memory fit the budget together.
            #expect(rekeyed.runs.contains { $0.url != nil })
            #expect(rekeyed.runs.filter { $0.url == nil }.map(\.length).reduce(0, +) <= 4096)
            for (original, returned) in zip(readers, back.subtaskReaders) {
                let a = try LSMConvertSupport.collect(original).entries, b = try LSMConvertSupport.collect(returned).entries
                #expect(a.count == b.count && a == b, "\(fixture) \(op.displayName): back to \(op.maxParallelism) differs")
            }
            rekeyed.removeFiles()
            back.removeFiles()
        }
        #expect(moved > 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spill.path).isEmpty, "spill files left behind")
    }

    /// 128 → 32768 (the upper bound) and back, with timers: the 2-byte prefix at its widest.
    @Test func toTheUpperBoundAndBack() throws {
        let fixture = try #require(Fixture.all.first { $0.description == "2.3.0/basic/rocksdb-heap-timers-canonical" })
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        let spill = try Scratch.directory("rekey")
        defer { try? FileManager.default.removeItem(at: spill) }
        let (op, readers) = try #require(try Self.operators(savepoint).first)
        let up = try KeyGroupRekeying(readers: readers, maxParallelism: 32768, parallelism: op.parallelism, spillDirectory: spill)
        #expect(up.entriesPerState.keys.contains { $0.hasPrefix("_timer_state") })
        #expect(try Self.contents(up.subtaskReaders) == Self.contents(readers))
        let back = try KeyGroupRekeying(readers: up.subtaskReaders, maxParallelism: 128, parallelism: op.parallelism, spillDirectory: spill)
        for (a, b) in zip(readers, back.subtaskReaders) {
            #expect(try LSMConvertSupport.collect(a).entries == LSMConvertSupport.collect(b).entries)
        }
    }

    /// A key stored in another key group than its hash gives: nothing is moved, no file is left.
    @Test func aKeyInTheWrongKeyGroupIsRefused() throws {
        let fixture = try #require(Fixture.all.first { $0.description == "2.3.0/basic/filesystem" })
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        let (op, readers) = try #require(try Self.operators(savepoint).first)
        let good = try #require(readers.first as? KeyedStateStreamRawReader)
        let base = CanonicalStreamTestReader(stream: good.stream, keyGroupRange: good.keyGroupRange)
        let spill = try Scratch.directory("rekey")
        defer { try? FileManager.default.removeItem(at: spill) }
        do {
            _ = try KeyGroupRekeying(readers: [BadReader(base: base, fault: .outsideRange)], maxParallelism: 256,
                                     parallelism: op.parallelism, spillDirectory: spill, memoryBudget: 1024)
            Issue.record("a misplaced key was re-keyed")
        } catch let e as RekeyError {
            guard case .storedKeyGroupDiffers = e else { Issue.record("\(e)"); return }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: spill.path).isEmpty)
    }

    @Test func maxParallelismOutsideFlinksBoundsIsRefused() throws {
        let spill = try Scratch.directory("rekey")
        defer { try? FileManager.default.removeItem(at: spill) }
        for (n, p) in [(0, 1), (32769, 2), (2, 4)] {
            #expect(throws: RekeyError.invalidMaxParallelism(n, parallelism: p)) {
                _ = try KeyGroupRekeying(readers: [], maxParallelism: n, parallelism: p, spillDirectory: spill)
            }
        }
    }
}

/// The metadata side and the written result: a savepoint moved to another max parallelism reads
/// back with the same state (dump), the new max parallelism and Flink's ranges in every handle.
@Suite struct MaxParallelismChangeTests {
    static let cases: [(fixture: String, maxParallelism: Int, target: ConvertOptions.Target)] = [
        ("2.3.0/basic/filesystem", 256, .filesystem),
        ("2.3.0/window/rocksdb-native", 256, .lsm),
        ("2.3.0/types/memory", 32768, .memory),
        ("1.20.5/basic/filesystem", 32768, .filesystem),
    ]

    @Test(arguments: cases.indices)
    func aRekeyedSavepointReadsBackTheSame(_ k: Int) throws {
        let c = Self.cases[k]
        let fixture = try #require(Fixture.all.first { $0.description == c.fixture })
        let out = try Scratch.directory("rekeyed")
        defer { try? FileManager.default.removeItem(at: out) }
        try RekeyTestSupport.rekey(try #require(fixture.readablePath), maxParallelism: c.maxParallelism, target: c.target,
                                   into: out, memoryBudget: 8192)
        let written = try Savepoint.open(out.path)
        for op in written.metadata.operatorStates {
            #expect(op.maxParallelism == c.maxParallelism)
            for entry in op.subtaskStates {
                guard let handle = entry.state?.managedKeyedState else { continue }
                #expect(handle.keyGroupRange == KeyGroupRange(maxParallelism: c.maxParallelism, parallelism: op.parallelism,
                                                              subtaskIndex: entry.subtaskIndex))
            }
        }
        let input = try ConvertTestSupport.dump(try #require(fixture.readablePath))
        let output = try ConvertTestSupport.dump(out.path)
        func lines(_ b: [UInt8]) -> [Substring] { String(decoding: b, as: UTF8.self).split(separator: "\n").sorted() }
        #expect(!lines(input).isEmpty)
        #expect(lines(output) == lines(input), "\(c.fixture) at \(c.maxParallelism)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(".spill").path))
        // validate --deep recomputes every key's key group on its own (the Validation checks).
        let report = Validator(savepoint: written, options: .init(deep: true)).run()
        #expect(report.valid, "\(report.findings.prefix(3))")
        #expect(report.checked.keysHashChecked > 0)
    }

    /// Every subtask gets a keyed handle for its new range, also one the input had none for.
    @Test func thePlannedMetadataCoversEverySubtask() throws {
        let fixture = try #require(Fixture.all.first { $0.description == "2.3.0/basic/rocksdb-native" })
        let path = try #require(fixture.readablePath)
        var op = try #require(try Savepoint.open(path).metadata.operatorStates.first(where: MaxParallelismChange.hasKeyedState))
        op.subtaskStates.removeAll { $0.subtaskIndex == 1 }
        let planned = MaxParallelismChange.planned(op, maxParallelism: 300)
        #expect(planned.maxParallelism == 300)
        #expect(planned.subtaskStates.map(\.subtaskIndex) == Array(0..<op.parallelism))
        #expect(planned.subtaskStates.map { $0.state?.managedKeyedState?.keyGroupRange }
            == MaxParallelismChange.keyGroupRanges(maxParallelism: 300, parallelism: op.parallelism))
    }

    @Test func aParallelismAboveTheNewMaxIsRefused() throws {
        let fixture = try #require(Fixture.all.first { $0.description == "2.3.0/basic/filesystem" })
        let path = try #require(fixture.readablePath)
        let op = try #require(try Savepoint.open(path).metadata.operatorStates.first)
        #expect(throws: SavepointError.self) { try MaxParallelismChange.check(op, maxParallelism: op.parallelism - 1) }
        try MaxParallelismChange.check(op, maxParallelism: op.parallelism)
    }
}
