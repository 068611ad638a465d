import Bytes
import CanonicalFormat
import Foundation
import SavepointMetadata
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One operator's keyed state moved to another max parallelism: every entry and timer goes to the
/// key group Flink assigns its key under the new max parallelism (`KeyGroupAssigner`), and the
/// key groups to the subtasks of the same parallelism (`KeyGroupRangeAssignment
/// .computeKeyGroupRangeForOperatorIndex`), each key re-prefixed in the new width (2 bytes above
/// 128, `CompositeKeySerializationUtils`). Namespaces (windows), user keys and values are not keyed
/// and stay as they are.
///
/// Entries move between subtasks, so they go through spill files in `spillDirectory` (local
/// scratch, whatever storage the savepoints are in), sorted
/// runs of at most `memoryBudget` bytes each (an external merge sort): reading every input subtask
/// once partitions and sorts; each output reader merges its part of every run, key group by key
/// group, in the order writers want. The last run stays in memory (a state below the budget is
/// never written to disk). Memory stays near twice the budget however large the state.
/// The files are removed by `removeFiles()` (or when the value is released).
public final class KeyGroupRekeying {
    public static let defaultMemoryBudget = 64 << 20

    /// One reader per subtask `0..<parallelism`, with the subtask's new key-group range.
    public private(set) var subtaskReaders: [RekeyedSubtaskReader] = []
    /// The state meta information of the output: the first input's, with any state only other
    /// subtasks registered appended (by name).
    public let proxy: KeyedBackendSerializationProxy
    public let maxParallelism: Int
    /// Entries moved, by state name.
    public private(set) var entriesPerState: [String: Int64] = [:]

    let runs: [SpillRunFile]
    let mergeBufferBytes: Int

    /// Reads every subtask's entries (`readers`: all subtasks of one operator) and sorts them into
    /// runs. Throws `RekeyError` for a key type whose hash cannot be computed, a key stored in
    /// another key group than its hash gives (so the hash would not be Flink's), or a max
    /// parallelism Flink refuses.
    public init(readers: [any RawKeyedStateReader], maxParallelism: Int, parallelism: Int,
                spillDirectory: URL, memoryBudget: Int = defaultMemoryBudget) throws {
        try KeyGroupAssigner.check(maxParallelism: maxParallelism, parallelism: parallelism)
        guard let first = readers.first else {
            throw SavepointError.usage("re-keying needs the keyed state of at least one subtask")
        }
        var proxy = first.proxy
        for r in readers.dropFirst() {
            for s in r.proxy.states where !proxy.states.contains(where: { $0.name == s.name }) { proxy.states.append(s) }
        }
        self.proxy = proxy
        self.maxParallelism = maxParallelism
        let partition = Partition(proxy: proxy, maxParallelism: maxParallelism, spillDirectory: spillDirectory,
                                  memoryBudget: memoryBudget)
        do {
            for r in readers { try partition.add(r) }
            try partition.finish()
        } catch {
            partition.removeFiles()
            throw error
        }
        runs = partition.runs
        entriesPerState = partition.entriesPerState
        // The merge reads every run side by side: their buffers share the budget.
        mergeBufferBytes = max(64 << 10, min(1 << 20, memoryBudget / max(1, runs.count)))
        subtaskReaders = (0..<parallelism).map { i in
            RekeyedSubtaskReader(rekeying: self, subtask: i, keyGroupRange: KeyGroupRange(
                maxParallelism: maxParallelism, parallelism: parallelism, subtaskIndex: i))
        }
    }

    deinit { removeFiles() }

    /// Removes the spill files (idempotent).
    public func removeFiles() {
        for run in runs { run.remove() }
    }
}

/// One sorted run, in a spill file or (the last one) in memory, with where each key group's
/// records begin.
final class SpillRunFile {
    let url: URL?
    let bytes: [UInt8]?
    let keyGroupStarts: [(keyGroup: Int, offset: Int)]
    let length: Int
    private var removed = false

    init(url: URL, keyGroupStarts: [(keyGroup: Int, offset: Int)], length: Int) {
        self.url = url
        bytes = nil
        self.keyGroupStarts = keyGroupStarts
        self.length = length
    }

    init(bytes: [UInt8], keyGroupStarts: [(keyGroup: Int, offset: Int)]) {
        url = nil
        self.bytes = bytes
        self.keyGroupStarts = keyGroupStarts
        length = bytes.count
    }

    /// The bytes holding the records of key groups in `range`.
    func byteRange(of range: KeyGroupRange) -> Range<Int> {
        let from = keyGroupStarts.first { $0.keyGroup >= range.startKeyGroup }?.offset ?? length
        let to = keyGroupStarts.first { $0.keyGroup > range.endKeyGroup }?.offset ?? length
        return from..<max(from, to)
    }

    func remove() {
        guard !removed, let url else { return }
        removed = true
        try? FileManager.default.removeItem(at: url)
    }
}

extension KeyGroupRekeying {
    /// The first pass: entries re-assigned and buffered, sorted runs written when the buffer is full.
    final class Partition {
        let proxy: KeyedBackendSerializationProxy
        let maxParallelism: Int
        let spillDirectory: URL
        let memoryBudget: Int
        var buffer = SpillBuffer()
        var runs: [SpillRunFile] = []
        var entriesPerState: [String: Int64] = [:]
        private let stamp = UUID().uuidString.prefix(8)

        init(proxy: KeyedBackendSerializationProxy, maxParallelism: Int, spillDirectory: URL, memoryBudget: Int) {
            self.proxy = proxy
            self.maxParallelism = maxParallelism
            self.spillDirectory = spillDirectory
            self.memoryBudget = memoryBudget
        }

        /// Every entry of one input subtask, each checked against the key group it is stored in.
        func add(_ reader: some RawKeyedStateReader) throws {
            let assigner = try KeyGroupAssigner(proxy: reader.proxy)
            let names = reader.proxy.states.map(\.name)
            let toOutput = names.map { name in proxy.states.firstIndex { $0.name == name }! }
            var counts = [Int64](repeating: 0, count: names.count)
            let oldMax = reader.maxParallelism
            let prefixBytes = FlinkHashing.keyGroupPrefixBytes(maxParallelism: oldMax)
            let newMax = maxParallelism, budget = memoryBudget
            // The buffer is worked on as a local (a class property mutated per entry costs an
            // exclusivity check each) and put back whatever happens.
            var buffer = self.buffer
            self.buffer = SpillBuffer()
            defer { self.buffer = buffer }
            try reader.forEachKeyGroup { group in
                let stored = group.keyGroup
                try group.forEach { stateIndex, key, value in
                    guard key.count >= prefixBytes else {
                        throw FormatError(offset: 0, "expected a key of at least \(prefixBytes) key-group prefix bytes, found \(key.count) bytes")
                    }
                    let keyAfterPrefix = UnsafeBufferPointer(rebasing: key[prefixBytes...])
                    let hash = try assigner.keyHashCode(stateIndex: stateIndex, keyAfterPrefix: keyAfterPrefix)
                    let old = FlinkHashing.keyGroup(forHashCode: hash, maxParallelism: oldMax)
                    guard old == stored else {
                        throw RekeyError.storedKeyGroupDiffers(state: names[stateIndex], stored: stored, computed: old)
                    }
                    buffer.append(keyGroup: FlinkHashing.keyGroup(forHashCode: hash, maxParallelism: newMax),
                                  stateIndex: toOutput[stateIndex], keyAfterPrefix: keyAfterPrefix, value: value)
                    counts[stateIndex] += 1
                }
                if buffer.byteCount >= budget { try spill(&buffer) }
            }
            for (name, n) in zip(names, counts) where n > 0 { entriesPerState[name, default: 0] += n }
        }

        /// Keeps what is left in the buffer as the last run, in memory.
        func finish() throws {
            guard !buffer.isEmpty else { return }
            let (bytes, starts) = try buffer.sortedRunBytes()
            runs.append(SpillRunFile(bytes: bytes, keyGroupStarts: starts))
        }

        /// Writes `buffer` as a sorted run (nothing when empty).
        private func spill(_ buffer: inout SpillBuffer) throws {
            guard !buffer.isEmpty else { return }
            let url = spillDirectory.appendingPathComponent("rekey-\(stamp)-\(runs.count).spill")
            let (starts, length) = try buffer.writeSortedRun(to: url)
            runs.append(SpillRunFile(url: url, keyGroupStarts: starts, length: length))
        }

        func removeFiles() {
            for run in runs { run.remove() }
            // A run being written when the failure came.
            try? FileManager.default.removeItem(at: spillDirectory.appendingPathComponent("rekey-\(stamp)-\(runs.count).spill"))
        }
    }
}

/// One subtask's re-keyed state: its part of every run, merged key group by key group.
public struct RekeyedSubtaskReader: RawKeyedStateReader {
    let rekeying: KeyGroupRekeying
    public let subtask: Int
    public let keyGroupRange: KeyGroupRange

    public var proxy: KeyedBackendSerializationProxy { rekeying.proxy }
    public var maxParallelism: Int { rekeying.maxParallelism }

    public func forEachKeyGroup(_ body: (_ group: RawKeyGroup) throws -> Void) throws {
        var cursors: [SpillCursor] = []
        var descriptors: [Int32] = []
        defer { for fd in descriptors { close(fd) } }
        for run in rekeying.runs {
            let range = run.byteRange(of: keyGroupRange)
            guard !range.isEmpty else { continue }
            guard let url = run.url else {
                cursors.append(try SpillCursor(memory: run.bytes!, range: range))
                continue
            }
            let fd = open(url.path, O_RDONLY)
            guard fd >= 0 else {
                throw SavepointError.io("\(url.path): cannot open the spill file: \(String(cString: strerror(errno)))")
            }
            descriptors.append(fd)
            cursors.append(try SpillCursor(fd: fd, path: url.path, range: range, bufferBytes: rekeying.mergeBufferBytes))
        }
        var merge = RunMerge(cursors: cursors)
        let prefixBytes = FlinkHashing.keyGroupPrefixBytes(maxParallelism: maxParallelism)
        var group = RawKeyGroup()
        var current: Int32 = -1
        while let i = merge.smallest {
            try merge.cursors[i].withHead { keyGroup, stateIndex, key, value in
                if keyGroup != current {
                    if current >= 0 { try body(group) }
                    current = keyGroup
                    group.reset(keyGroup: Int(keyGroup))
                }
                group.append(stateIndex: Int(stateIndex), keyGroupPrefixBytes: prefixBytes,
                             keyAfterPrefix: key.assumingMemoryBound(to: UInt8.self), value: value.assumingMemoryBound(to: UInt8.self))
            }
            try merge.advance(i)
        }
        if current >= 0 { try body(group) }
    }
}

/// The runs' heads in a binary min-heap (key group, state, key bytes), so each entry costs a
/// logarithm of the number of runs.
struct RunMerge {
    var cursors: [SpillCursor]
    /// Indexes of the cursors that have a head, as a heap.
    private var heap: [Int]

    init(cursors: [SpillCursor]) {
        self.cursors = cursors
        heap = []
        for i in cursors.indices where cursors[i].head != nil { push(i) }
    }

    var smallest: Int? { heap.first }

    /// Moves run `i` (the smallest) on and restores the heap.
    mutating func advance(_ i: Int) throws {
        try cursors[i].advance()
        if cursors[i].head == nil {
            let last = heap.removeLast()
            guard !heap.isEmpty else { return }
            heap[0] = last
        }
        siftDown(0)
    }

    private mutating func push(_ i: Int) {
        heap.append(i)
        var c = heap.count - 1
        while c > 0 {
            let p = (c - 1) / 2
            guard precedes(heap[c], heap[p]) else { break }
            heap.swapAt(c, p)
            c = p
        }
    }

    private mutating func siftDown(_ start: Int) {
        var p = start
        while true {
            let l = 2 * p + 1, r = l + 1
            var m = p
            if l < heap.count, precedes(heap[l], heap[m]) { m = l }
            if r < heap.count, precedes(heap[r], heap[m]) { m = r }
            guard m != p else { return }
            heap.swapAt(p, m)
            p = m
        }
    }

    private func precedes(_ a: Int, _ b: Int) -> Bool {
        cursors[a].withHead { g1, s1, k1, _ in
            cursors[b].withHead { g2, s2, k2, _ in
                SpillBuffer.precedes(keyGroup: g1, stateIndex: s1, key: k1, keyGroup: g2, stateIndex: s2, key: k2)
            }
        }
    }
}
