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
/// scratch, whatever storage the savepoints are in), in
/// runs of at most `memoryBudget` bytes together (an external sort): reading every input subtask
/// once (side by side, each with a share of the budget) partitions the entries into runs ordered
/// by key group; each output reader gathers each of its key groups from every run and sorts it
/// into the order writers want (a key group is in memory whole anyway, `RawKeyGroup`). The
/// last run of each input subtask stays in memory while those runs fit the budget together (a
/// state below the budget is never written to disk). Memory stays near twice the budget however
/// large the state.
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
        // Each input subtask is partitioned on a thread of its own (the other subtasks of the
        // operator wait for the re-keying, so the cores are otherwise idle), with an equal share
        // of the budget; the runs kept in memory share one budget too.
        let width = max(1, min(readers.count, ParallelJobs.defaultWidth))
        let kept = KeptRunBudget(bytes: memoryBudget)
        let partitions = readers.map { _ in
            Partition(proxy: proxy, maxParallelism: maxParallelism, spillDirectory: spillDirectory,
                      memoryBudget: max(1, memoryBudget / width))
        }
        do {
            try OwnThreads.run(count: readers.count, width: width) { k in
                try partitions[k].add(readers[k])
                try partitions[k].finish(keeping: kept)
            }
        } catch {
            for p in partitions { p.removeFiles() }
            throw error
        }
        runs = partitions.flatMap(\.runs)
        for p in partitions { entriesPerState.merge(p.entriesPerState, uniquingKeysWith: +) }
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
        let from = offset(ofFirstKeyGroupFrom: range.startKeyGroup)
        return from..<max(from, offset(ofFirstKeyGroupFrom: range.endKeyGroup + 1))
    }

    /// Where the records of the first key group at or above `keyGroup` begin (`length` past the last).
    func offset(ofFirstKeyGroupFrom keyGroup: Int) -> Int {
        var low = 0, high = keyGroupStarts.count
        while low < high {
            let mid = (low + high) / 2
            if keyGroupStarts[mid].keyGroup < keyGroup { low = mid + 1 } else { high = mid }
        }
        return low < keyGroupStarts.count ? keyGroupStarts[low].offset : length
    }

    /// One run read key group by key group: its file open, or its bytes in memory.
    final class Reader {
        let run: SpillRunFile
        private var fd: Int32 = -1

        init(_ run: SpillRunFile) throws {
            self.run = run
            guard let url = run.url else { return }
            fd = open(url.path, O_RDONLY)
            guard fd >= 0 else {
                throw SavepointError.io("\(url.path): cannot open the spill file: \(String(cString: strerror(errno)))")
            }
        }

        func close() {
            if fd >= 0 { closeDescriptor(fd) }
            fd = -1
        }

        deinit { close() }

        /// Calls `body` with every record of `keyGroup` in this run, in the run's order (the
        /// buffers are valid during the call only); a spill file's part is read into `scratch`.
        func forEachRecord(ofKeyGroup keyGroup: Int, scratch: inout [UInt8],
                           _ body: (_ stateIndex: Int, _ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) -> Void) throws {
            let range = run.byteRange(of: KeyGroupRange(startKeyGroup: keyGroup, endKeyGroup: keyGroup))
            guard !range.isEmpty else { return }
            if let bytes = run.bytes {
                try bytes.withUnsafeBytes { try Self.walk(UnsafeRawBufferPointer(rebasing: $0[range]), keyGroup: keyGroup, in: "the run kept in memory", body) }
                return
            }
            let path = run.url?.path ?? "a spill file"
            if scratch.count < range.count { scratch = [UInt8](repeating: 0, count: range.count) }
            try scratch.withUnsafeMutableBytes { b in
                var done = 0
                while done < range.count {
                    let n = pread(fd, b.baseAddress! + done, range.count - done, off_t(range.lowerBound + done))
                    if n < 0, errno == EINTR { continue }
                    guard n > 0 else {
                        throw SavepointError.io("\(path): cannot read the spill file: \(n < 0 ? String(cString: strerror(errno)) : "it is shorter than written")")
                    }
                    done += n
                }
                try Self.walk(UnsafeRawBufferPointer(rebasing: b[0..<range.count]), keyGroup: keyGroup, in: path, body)
            }
        }

        /// The records in `bytes`, every one checked to lie inside them and to belong to `keyGroup`.
        private static func walk(_ bytes: UnsafeRawBufferPointer, keyGroup: Int, in path: String,
                                 _ body: (Int, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void) throws {
            let base = bytes.baseAddress!
            var at = 0
            while at < bytes.count {
                guard bytes.count - at >= SpillBuffer.headerBytes else { throw SavepointError.io("\(path) ends inside a record") }
                let p = base + at
                let keyCount = SpillBuffer.field(p, 2), valueCount = SpillBuffer.field(p, 3)
                let length = SpillBuffer.headerBytes + keyCount + valueCount
                guard bytes.count - at >= length else { throw SavepointError.io("\(path) ends inside a record") }
                guard SpillBuffer.field(p, 0) == keyGroup else {
                    throw SavepointError.io("\(path): a record of key group \(SpillBuffer.field(p, 0)) among key group \(keyGroup)'s")
                }
                let key = (p + SpillBuffer.headerBytes).assumingMemoryBound(to: UInt8.self)
                body(SpillBuffer.field(p, 1), UnsafeBufferPointer(start: key, count: keyCount),
                     UnsafeBufferPointer(start: key + keyCount, count: valueCount))
                at += length
            }
        }
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
        private(set) var entriesPerState: [String: Int64] = [:]
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

        /// Keeps what is left in the buffer as the last run, in memory while `kept` allows (a state
        /// below the budget never touches the disk), else in a spill file like the others.
        func finish(keeping kept: KeptRunBudget) throws {
            guard !buffer.isEmpty else { return }
            guard kept.reserve(buffer.byteCount) else { return try spill(&buffer) }
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

private func closeDescriptor(_ fd: Int32) { _ = close(fd) }

/// The bytes the runs kept in memory may take together, reserved by partitions side by side.
final class KeptRunBudget: @unchecked Sendable {
    private let lock = NSLock()
    private var left: Int

    init(bytes: Int) { left = bytes }

    /// Whether `bytes` more fit (and then takes them).
    func reserve(_ bytes: Int) -> Bool {
        lock.withLock {
            guard bytes <= left else { return false }
            left -= bytes
            return true
        }
    }
}

/// One subtask's re-keyed state: each of its key groups gathered from every run and sorted whole
/// (the pieces come sorted by the order they were read in, which `RawKeyGroup`'s merge sort
/// takes as runs), then handed over, key group by key group.
public struct RekeyedSubtaskReader: RawKeyedStateReader {
    let rekeying: KeyGroupRekeying
    public let subtask: Int
    public let keyGroupRange: KeyGroupRange

    public var proxy: KeyedBackendSerializationProxy { rekeying.proxy }
    public var maxParallelism: Int { rekeying.maxParallelism }

    public func forEachKeyGroup(_ body: (_ group: RawKeyGroup) throws -> Void) throws {
        var files: [SpillRunFile.Reader] = []
        defer { for f in files { f.close() } }
        for run in rekeying.runs where !run.byteRange(of: keyGroupRange).isEmpty {
            files.append(try SpillRunFile.Reader(run))
        }
        let prefixBytes = FlinkHashing.keyGroupPrefixBytes(maxParallelism: maxParallelism)
        var group = RawKeyGroup()
        var scratch: [UInt8] = []
        for keyGroup in keyGroupRange.startKeyGroup...keyGroupRange.endKeyGroup {
            group.reset(keyGroup: keyGroup)
            for file in files {
                try file.forEachRecord(ofKeyGroup: keyGroup, scratch: &scratch) { stateIndex, key, value in
                    group.append(stateIndex: stateIndex, keyGroupPrefixBytes: prefixBytes, keyAfterPrefix: key, value: value)
                }
            }
            guard !group.isEmpty else { continue }
            group.sortIntoCanonicalOrder()
            try body(group)
        }
    }
}
