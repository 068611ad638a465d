import Foundation
@testable import SavepointKit
import SavepointMetadata
import SavepointTestSupport
import Testing

/// The pieces of re-keying on their own: runs ordered by key group (stable inside one), each
/// key group read back from a spill file and from memory, and the partition threads.
@Suite struct SpillRunTests {
    /// Records appended out of key-group order come back by key group, in appended order within
    /// one, with `keyGroupStarts` pointing at each key group's first record.
    @Test(arguments: [false, true])
    func aRunIsOrderedByKeyGroupAndReadsBackPerKeyGroup(_ inMemory: Bool) throws {
        let appended: [(keyGroup: Int, key: [UInt8])] = [(7, [3]), (2, [9]), (7, [1]), (0, [5]), (2, [0]), (7, [2]), (300, [4])]
        var buffer = SpillBuffer()
        for (g, key) in appended {
            key.withUnsafeBufferPointer { k in [UInt8(g & 0xFF)].withUnsafeBufferPointer { v in
                buffer.append(keyGroup: g, stateIndex: 1, keyAfterPrefix: k, value: v)
            } }
        }
        let dir = try Scratch.directory("spill-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run: SpillRunFile
        if inMemory {
            let (bytes, starts) = try buffer.sortedRunBytes()
            run = SpillRunFile(bytes: bytes, keyGroupStarts: starts)
        } else {
            let url = dir.appendingPathComponent("run.spill")
            let (starts, length) = try buffer.writeSortedRun(to: url)
            run = SpillRunFile(url: url, keyGroupStarts: starts, length: length)
        }
        #expect(buffer.isEmpty)
        #expect(run.keyGroupStarts.map(\.keyGroup) == [0, 2, 7, 300])
        #expect(run.keyGroupStarts.first?.offset == 0)
        let reader = try SpillRunFile.Reader(run)
        defer { reader.close() }
        var scratch: [UInt8] = []
        for g in [0, 1, 2, 7, 300, 301] {
            var keys: [[UInt8]] = []
            try reader.forEachRecord(ofKeyGroup: g, scratch: &scratch) { stateIndex, key, value in
                #expect(stateIndex == 1 && Array(value) == [UInt8(g & 0xFF)])
                keys.append(Array(key))
            }
            #expect(keys == appended.filter { $0.keyGroup == g }.map(\.key), "key group \(g)")
        }
        #expect(run.byteRange(of: KeyGroupRange(startKeyGroup: 1, endKeyGroup: 6)).count == 2 * (SpillBuffer.headerBytes + 2))
        #expect(run.byteRange(of: KeyGroupRange(startKeyGroup: 301, endKeyGroup: 400)).isEmpty)
    }

    @Test func everyJobRunsOnceAndTheLowestFailureIsThrown() throws {
        let counter = Counter()
        try OwnThreads.run(count: 50, width: 3) { i in counter.add(i) }
        #expect(counter.seen.sorted() == Array(0..<50))
        struct Failure: Error, Equatable { let job: Int }
        #expect(throws: Failure(job: 0)) {
            try OwnThreads.run(count: 2, width: 2) { i in
                if i == 1 { throw Failure(job: 1) }
                Thread.sleep(forTimeInterval: 0.05)
                throw Failure(job: 0)
            }
        }
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Int] = []
        func add(_ i: Int) { lock.withLock { values.append(i) } }
        var seen: [Int] { lock.withLock { values } }
    }
}
