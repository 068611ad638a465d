import Foundation
import SavepointKit
import SavepointTestSupport
import Testing

/// `dump --skip-corrupt` and `convert --skip-corrupt` on damaged copies of real-Flink fixtures.
@Suite struct SalvageTests {
    /// Nothing damaged, nothing skipped: the salvaging path (key group by key group through the
    /// raw readers) prints what the usual dump prints, for every fixture and form.
    @Test(arguments: Fixture.all)
    func intactFixtureDumpsTheSame(_ fixture: Fixture) throws {
        let path = try #require(fixture.readablePath)
        let salvaged = try SalvageDamage.dump(path, skipCorrupt: true)
        #expect(salvaged.skipped.isEmpty)
        #expect(DumpComparison.difference(actual: salvaged.lines, expected: try SalvageDamage.dump(path, skipCorrupt: false).lines) == nil)
    }

    /// Flipped bytes in one key-group block of a canonical stream cost exactly that key group.
    @Test(arguments: ["2.3.0/basic/filesystem", "2.3.0/basic/filesystem-compressed"])
    func damagedKeyGroupBlockCostsThatKeyGroup(_ fixture: String) throws {
        let (root, savepoint) = try SalvageDamage.copy(fixture)
        defer { try? FileManager.default.removeItem(at: root) }
        let blocks = try SalvageDamage.keyGroupBlocks(in: savepoint, operator: "counter", subtask: 0)
        let block = blocks[blocks.count / 2]
        try SalvageDamage.breakBlock(block)
        let expected = SkippedRange(operator: "counter", subtask: 0, file: block.streamName,
                                    keyGroups: .init(first: block.keyGroup, last: block.keyGroup),
                                    byteOffset: block.streamOffset, reason: "")
        let salvaged = try SalvageDamage.dump(savepoint.path, skipCorrupt: true)
        // The reason is the reader's own message; the rest is known in advance.
        var skipped = salvaged.skipped
        #expect(skipped.count == 1 && !skipped[0].reason.isEmpty)
        if !skipped.isEmpty { skipped[0].reason = "" }
        #expect(skipped == [expected])
        let lost = block.keyGroup...block.keyGroup
        let expectedLines = SalvageDamage.lines(try SalvageCheck.undamagedDump(fixture), without: lost, operator: "counter")
        #expect(expectedLines.count < (try SalvageCheck.undamagedDump(fixture)).count, "the lost key group had entries")
        try SalvageCheck.run(savepoint, root: root, expectedLines: expectedLines, expected: salvaged.skipped)
    }

    /// Two damaged key groups next to each other are one skipped range.
    @Test func consecutiveLostKeyGroupsCoalesce() throws {
        let fixture = "2.3.0/basic/filesystem"
        let (root, savepoint) = try SalvageDamage.copy(fixture)
        defer { try? FileManager.default.removeItem(at: root) }
        let blocks = try SalvageDamage.keyGroupBlocks(in: savepoint, operator: "counter", subtask: 1)
        let i = try #require(blocks.indices.dropLast().first { blocks[$0 + 1].keyGroup == blocks[$0].keyGroup + 1 })
        try SalvageDamage.breakBlock(blocks[i])
        try SalvageDamage.breakBlock(blocks[i + 1])
        let salvaged = try SalvageDamage.dump(savepoint.path, skipCorrupt: true)
        #expect(salvaged.skipped.map(\.keyGroups) == [.init(first: blocks[i].keyGroup, last: blocks[i + 1].keyGroup)])
        #expect(salvaged.skipped.map(\.byteOffset) == [blocks[i].streamOffset])
        #expect(salvaged.skipped.first?.line.contains("key groups \(blocks[i].keyGroup)-\(blocks[i + 1].keyGroup) of operator counter subtask 1") == true)
        let lost = blocks[i].keyGroup...blocks[i + 1].keyGroup
        let expectedLines = SalvageDamage.lines(try SalvageCheck.undamagedDump(fixture), without: lost, operator: "counter")
        #expect(DumpComparison.difference(actual: salvaged.lines, expected: expectedLines) == nil)
    }

    /// A missing file of a multi-file savepoint costs the key groups of the subtask it held; the
    /// converted output still has a complete handle for them (it validates).
    @Test func missingFileCostsItsKeyGroups() throws {
        let fixture = "2.3.0/basic/filesystem"
        let (root, savepoint) = try SalvageDamage.copy(fixture)
        defer { try? FileManager.default.removeItem(at: root) }
        let file = try SalvageDamage.keyedStreamFile(in: savepoint, operator: "counter", subtask: 1)
        try FileManager.default.removeItem(atPath: file)
        let expected = [SkippedRange(operator: "counter", subtask: 1, file: file, keyGroups: .init(first: 64, last: 127),
                                     reason: "missing file")]
        let expectedLines = SalvageDamage.lines(try SalvageCheck.undamagedDump(fixture), without: 64...127, operator: "counter")
        try SalvageCheck.run(savepoint, root: root, expectedLines: expectedLines, expected: expected)
    }

    /// A damaged data block of an SST costs, for its state only, the key groups the block may
    /// have held: from the key group of the entry before it to that of the entry after it.
    /// (A native savepoint's families have one table per subtask, walked in place; the types
    /// checkpoint's have two, merged.)
    @Test(arguments: [("2.3.0/basic/rocksdb-native", "counter"), ("2.3.0/types/rocksdb-incremental-checkpoint", "types")])
    func damagedSSTBlockCostsItsKeyGroupsOfItsState(_ fixture: String, _ uid: String) throws {
        let checkpoint = fixture.hasSuffix("checkpoint")
        let (root, savepoint) = checkpoint ? try SalvageDamage.copyCheckpoint(fixture) : try SalvageDamage.copy(fixture)
        defer { try? FileManager.default.removeItem(at: root) }
        let block = try SalvageDamage.breakSSTBlock(in: savepoint, operator: uid, subtask: 0)
        let salvaged = try SalvageDamage.dump(savepoint.path, skipCorrupt: true)
        let skipped = try #require(salvaged.skipped.first)
        #expect(salvaged.skipped.count == 1)
        #expect(skipped.state == block.state && skipped.subtask == 0 && skipped.operator == uid)
        #expect(skipped.keyGroups == .init(first: block.lostKeyGroups.lowerBound, last: min(63, block.lostKeyGroups.upperBound)))
        #expect(skipped.byteOffset == block.blockOffset)
        #expect(skipped.reason.contains("checksum mismatch"))
        let undamaged = try SalvageCheck.undamagedDump(fixture, folder: checkpoint ? "checkpoint" : "savepoint")
        let expectedLines = SalvageDamage.lines(undamaged, without: block.lostKeyGroups, operator: uid, state: block.state)
        #expect(expectedLines.count < undamaged.count, "the lost key groups had entries")
        try SalvageCheck.run(savepoint, root: root, expectedLines: expectedLines, expected: salvaged.skipped)
    }

    /// A missing SST file of an incremental checkpoint costs the key groups it holds of its
    /// state only; the other states keep those key groups.
    @Test func missingSSTCostsItsKeyGroupsOfItsState() throws {
        let fixture = "2.3.0/basic/rocksdb-incremental-checkpoint"
        let (root, checkpoint) = try SalvageDamage.copyCheckpoint(fixture)
        defer { try? FileManager.default.removeItem(at: root) }
        let lost = try SalvageDamage.deleteSST(in: checkpoint, operator: "counter", subtask: 1)
        let expected = [SkippedRange(operator: "counter", subtask: 1, state: lost.state, file: lost.file,
                                     keyGroups: .init(first: lost.keyGroups.lowerBound, last: lost.keyGroups.upperBound),
                                     reason: "missing file")]
        let undamaged = try SalvageCheck.undamagedDump(fixture, folder: "checkpoint")
        let expectedLines = SalvageDamage.lines(undamaged, without: lost.keyGroups, operator: "counter", state: lost.state)
        #expect(expectedLines.count < undamaged.count && expectedLines.count > undamaged.count / 2)
        try SalvageCheck.run(checkpoint, root: root, expectedLines: expectedLines, expected: expected)
    }

    /// A damaged operator state stream costs that subtask's partitions, and only when nothing of
    /// it is printed: the other subtask's elements are all there.
    @Test func damagedOperatorStateStreamCostsItsPartitions() throws {
        let fixture = "2.3.0/basic/filesystem"
        let (root, savepoint) = try SalvageDamage.copy(fixture)
        defer { try? FileManager.default.removeItem(at: root) }
        let stream = try SalvageDamage.breakOperatorStateHeader(in: savepoint, operator: "source", subtask: 0)
        let salvaged = try SalvageDamage.dump(savepoint.path, skipCorrupt: true)
        let skipped = try #require(salvaged.skipped.first)
        #expect(salvaged.skipped.count == 1)
        #expect(skipped.operator == "source" && skipped.subtask == 0 && skipped.keyGroups == nil)
        #expect(skipped.partitions == stream.partitions && skipped.file == stream.name)
        var expectedLines: [UInt8] = []
        for line in try SalvageCheck.undamagedDump(fixture).split(separator: 0x0A) {
            if case let .object(f)? = JSONValue.parse(Array(line)), f["operator"] == .string("source"), f["subtask"] == .integer(0) {
                continue
            }
            expectedLines += line + [0x0A]
        }
        try SalvageCheck.run(savepoint, root: root, expectedLines: expectedLines, expected: salvaged.skipped)
    }
}
