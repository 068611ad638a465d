import Bytes
import Foundation
import LSMFormat
import SavepointKit
import SavepointMetadata

/// Damage done to copies of real-Flink fixtures for the `--skip-corrupt` tests, and what a dump
/// without the lost key groups looks like.
public enum SalvageDamage {
    /// A copy of `fixtures/<relative>/savepoint` in a scratch directory (the caller removes `root`).
    public static func copy(_ relative: String) throws -> (root: URL, savepoint: URL) {
        let root = try Scratch.directory("salvage")
        let savepoint = root.appendingPathComponent("savepoint")
        try FileManager.default.copyItem(at: Fixture.root.appendingPathComponent(relative).appendingPathComponent("savepoint"),
                                         to: savepoint)
        return (root, savepoint)
    }

    /// Everything `dump` prints for `path` (no filter), and what `--skip-corrupt` skipped (nil: without it).
    public static func dump(_ path: String, skipCorrupt: Bool) throws -> (lines: [UInt8], skipped: [SkippedRange]) {
        var dumper = Dumper(savepoint: try Savepoint.open(path), filter: DumpFilter())
        let log = SalvageLog()
        if skipCorrupt { dumper.salvage = log }
        let out = JSONLinesOutput.inMemory()
        try dumper.run(into: out)
        try out.flush()
        return (out.collected, log.skipped)
    }

    // MARK: keyed state streams

    /// One non-empty key-group block of a keyed state stream.
    public struct KeyGroupBlock: Sendable {
        /// The file holding the bytes (`_metadata` for an inline stream) and the block's offset in it.
        public let file: String
        public let offset: Int
        public let keyGroup: Int
        /// The stream as the reader names it, and the block's offset in the stream.
        public let streamName: String
        public let streamOffset: Int
    }

    static func subtask(_ uid: String, _ index: Int, in savepoint: Savepoint) throws -> (OperatorState, OperatorSubtaskState) {
        guard let op = savepoint.metadata.operatorStates.first(where: { $0.matches(uid) }),
              let state = op.subtaskStates.first(where: { $0.subtaskIndex == index })?.state else {
            throw SavepointError.usage("no subtask \(index) of operator \(uid)")
        }
        return (op, state)
    }

    /// Where the bytes of a stream lie: a file and an offset in it (inline streams: in `_metadata`).
    static func location(of stream: StreamStateHandle, in savepoint: Savepoint) throws -> (path: String, offset: Int) {
        switch try savepoint.location.resolve(stream) {
        case let .file(range):
            return (range.path, Int(range.offset))
        case let .inline(bytes):
            let metadata = Array(try Data(contentsOf: URL(fileURLWithPath: savepoint.metadataPath)))
            guard let start = firstIndex(of: bytes, in: metadata) else { throw SavepointError.usage("inline stream not found") }
            return (savepoint.metadataPath, start)
        }
    }

    /// The non-empty key-group blocks of a subtask's keyed state stream, in key-group order.
    public static func keyGroupBlocks(in dir: URL, operator uid: String, subtask index: Int) throws -> [KeyGroupBlock] {
        let savepoint = try Savepoint.open(dir.path)
        let (op, state) = try subtask(uid, index, in: savepoint)
        guard let keyed = state.managedKeyedState, case let .keyGroups(h) = keyed else {
            throw SavepointError.usage("subtask \(index) of \(uid) has no keyed state stream")
        }
        let (path, base) = try location(of: h.delegate, in: savepoint)
        let stream = try savepoint.openKeyedStream(keyed, of: op)
        return stream.keyGroupRanges().map {
            KeyGroupBlock(file: path, offset: base + $0.range.lowerBound, keyGroup: $0.keyGroup,
                          streamName: stream.source.name, streamOffset: $0.range.lowerBound)
        }
    }

    /// Breaks a block's framing: bytes 2-5 (the first key's length in the canonical layout, the
    /// Snappy stream identifier when compressed) become 0x7FFFFFFF.
    public static func breakBlock(_ block: KeyGroupBlock) throws {
        try overwrite(block.file, at: block.offset + 2, with: [0x7F, 0xFF, 0xFF, 0xFF])
    }

    public static func overwrite(_ path: String, at offset: Int, with bytes: [UInt8]) throws {
        var data = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        data.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        try Data(data).write(to: URL(fileURLWithPath: path))
    }

    /// The file holding a subtask's keyed state stream.
    public static func keyedStreamFile(in dir: URL, operator uid: String, subtask index: Int) throws -> String {
        try keyGroupBlocks(in: dir, operator: uid, subtask: index)[0].file
    }

    /// Overwrites the first bytes of a subtask's operator state stream (its serialization proxy's
    /// version); returns the stream's name as the reader gives it and the partitions it holds.
    public static func breakOperatorStateHeader(in dir: URL, operator uid: String, subtask index: Int) throws
        -> (name: String, partitions: [String])
    {
        let savepoint = try Savepoint.open(dir.path)
        guard let handle = try subtask(uid, index, in: savepoint).1.managedOperatorState else {
            throw SavepointError.usage("subtask \(index) of \(uid) has no operator state")
        }
        let name = try savepoint.openStream(handle.delegate).name
        let (path, base) = try location(of: handle.delegate, in: savepoint)
        try overwrite(path, at: base, with: [0x7F, 0xFF, 0xFF, 0xFF])
        return (name, handle.stateNameToPartitionOffsets.map(\.name))
    }

    // MARK: LSM

    /// A data block of an SST damaged in place, and the key groups a salvaging read loses for it:
    /// from the key group of the last entry before the block to that of the first entry after it.
    public struct SSTBlock: Sendable {
        public let state: String
        public let blockOffset: Int
        public let lostKeyGroups: ClosedRange<Int>
    }

    /// Flips a byte in the middle of the second data block (the first, if it has one) of the SST
    /// of a subtask that has the most data blocks; its bytes are found wherever they are stored
    /// (inline in `_metadata` or a file).
    public static func breakSSTBlock(in dir: URL, operator uid: String, subtask index: Int) throws -> SSTBlock {
        let savepoint = try Savepoint.open(dir.path)
        let (op, state) = try subtask(uid, index, in: savepoint)
        guard case let .incrementalRemote(h)? = state.managedKeyedState else {
            throw SavepointError.usage("subtask \(index) of \(uid) is not in the LSM form")
        }
        let db = try savepoint.openLSMState(h, of: op)
        var tables: [(family: FlinkRocksDBState.ColumnFamily, table: BlockBasedTable, file: String)] = []
        for family in db.columnFamilies where family.stateIndex != nil {
            for (entry, table) in zip(family.files, family.tables) { tables.append((family, table, entry.file.fileName)) }
        }
        guard let chosen = tables.max(by: { $0.table.dataBlocks.count < $1.table.dataBlocks.count }),
              let stream = (h.sharedState + h.privateState).first(where: { $0.localPath == chosen.file })?.handle else {
            throw SavepointError.usage("subtask \(index) of \(uid) has no SST")
        }
        let blocks = chosen.table.dataBlocks
        let b = blocks.count > 1 ? 1 : 0
        let prefixBytes = db.keyGroupPrefixBytes
        func keyGroups(ofBlock i: Int) throws -> [Int] {
            var cursor = try chosen.table.readBlock(blocks[i], kind: "data").cursor()
            var out: [Int] = []
            while let (key, _) = try cursor.next() { out.append(key.prefix(prefixBytes).reduce(0) { $0 << 8 | Int($1) }) }
            return out
        }
        let lower = b > 0 ? try keyGroups(ofBlock: b - 1).last! : db.keyGroups.lowerBound
        let upper = b + 1 < blocks.count ? try keyGroups(ofBlock: b + 1).first! : db.keyGroups.upperBound
        let (path, base) = try location(of: stream, in: savepoint)
        let at = base + Int(blocks[b].offset + blocks[b].size / 2)
        try overwrite(path, at: at, with: [try Data(contentsOf: URL(fileURLWithPath: path))[at] ^ 0xFF])
        return SSTBlock(state: chosen.family.name, blockOffset: Int(blocks[b].offset), lostKeyGroups: lower...upper)
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    /// A copy of the retained checkpoint of `fixtures/<relative>` (the caller removes `root`);
    /// `checkpoint` is its newest `chk-N`.
    public static func copyCheckpoint(_ relative: String) throws -> (root: URL, checkpoint: URL) {
        let root = try Scratch.directory("salvage")
        try FileManager.default.copyItem(at: Fixture.root.appendingPathComponent(relative).appendingPathComponent("checkpoint"),
                                         to: root.appendingPathComponent("checkpoint"))
        guard let chk = Fixture(directory: root).readablePath else { throw SavepointError.usage("no chk-N in \(relative)") }
        return (root, URL(fileURLWithPath: chk))
    }

    /// Deletes the file of the largest SST a subtask's instance shares; returns the file, its
    /// state and the key groups it holds (from its smallest and largest keys in the MANIFEST).
    public static func deleteSST(in dir: URL, operator uid: String, subtask index: Int) throws
        -> (file: String, state: String, keyGroups: ClosedRange<Int>)
    {
        let savepoint = try Savepoint.open(dir.path)
        let (op, state) = try subtask(uid, index, in: savepoint)
        guard case let .incrementalRemote(h)? = state.managedKeyedState else {
            throw SavepointError.usage("subtask \(index) of \(uid) is not in the LSM form")
        }
        let db = try savepoint.openLSMState(h, of: op)
        let files = db.columnFamilies.filter { $0.stateIndex != nil }.flatMap { cf in cf.files.map { (cf.name, $0.file) } }
        guard let (family, file) = files.max(by: { $0.1.size < $1.1.size }),
              let stream = h.sharedState.first(where: { $0.localPath == file.fileName })?.handle,
              case let .file(range) = try savepoint.location.resolve(stream) else {
            throw SavepointError.usage("subtask \(index) of \(uid) shares no SST file")
        }
        try FileManager.default.removeItem(atPath: range.path)
        let keyGroup = { (key: [UInt8]) in key.prefix(db.keyGroupPrefixBytes).reduce(0) { $0 << 8 | Int($1) } }
        return (range.path, family, keyGroup(file.smallest.userKey)...keyGroup(file.largest.userKey))
    }

    // MARK: expected dumps

    /// Java's `hashCode` of a key as the dump prints it: a String (the basic fixtures) or an
    /// Integer (the types fixtures).
    public static func javaHashCode(_ key: JSONValue) -> Int32? {
        switch key {
        case let .string(s): return FlinkHashing.javaHashCode(s)
        case let .integer(i): return Int32(truncatingIfNeeded: i)
        default: return nil
        }
    }

    /// `lines` without the keyed lines of operator `uid` (of `state` only, when given) whose key
    /// falls into `keyGroups`.
    public static func lines(_ lines: [UInt8], without keyGroups: ClosedRange<Int>, operator uid: String,
                             state: String? = nil, maxParallelism: Int = 128) -> [UInt8] {
        var out: [UInt8] = []
        for line in lines.split(separator: 0x0A) {
            if case let .object(fields)? = JSONValue.parse(Array(line)), fields["operator"] == .string(uid),
               state.map({ fields["state"] == .string($0) }) ?? true, let hash = fields["key"].flatMap(javaHashCode),
               keyGroups.contains(FlinkHashing.keyGroup(forHashCode: hash, maxParallelism: maxParallelism)) {
                continue
            }
            out += line
            out.append(0x0A)
        }
        return out
    }
}
