import Bytes
import CanonicalFormat
import Foundation
import LSMFormat
import SavepointKit
import SavepointMetadata

/// Helpers of the LSM conversion tests: raw entries from the existing read paths, and a written
/// LSM instance opened again from its handle.
enum LSMConvertSupport {
    /// Every subtask of `savepoint` with a keyed handle, as (operator, handle).
    static func keyedHandles(_ savepoint: Savepoint) -> [(op: OperatorState, handle: KeyedStateHandle)] {
        savepoint.metadata.operatorStates.flatMap { op in
            op.subtaskStates.compactMap(\.state?.managedKeyedState).map { (op, $0) }
        }
    }

    /// Drains a reader, checking the contract: key groups ascending inside the range, entries in
    /// canonical order, keys carrying their key group's prefix.
    static func collect(_ reader: some RawKeyedStateReader) throws -> (entries: [RawKeyedEntry], problems: [String]) {
        var all: [RawKeyedEntry] = []
        var problems: [String] = []
        var last = -1
        let prefix = FlinkHashing.keyGroupPrefixBytes(maxParallelism: reader.maxParallelism)
        try reader.forEachKeyGroup { group in
            let keyGroup = group.keyGroup, entries = group.rawEntries
            if keyGroup <= last { problems.append("key group \(keyGroup) after \(last)") }
            if !reader.keyGroupRange.contains(keyGroup) { problems.append("key group \(keyGroup) outside \(reader.keyGroupRange)") }
            if entries.isEmpty { problems.append("key group \(keyGroup) handed out empty") }
            last = keyGroup
            for (a, b) in zip(entries, entries.dropFirst()) where !RawKeyedEntry.canonicalOrder(a, b) {
                problems.append("key group \(keyGroup): \(a.key.hexString) not before \(b.key.hexString)")
            }
            for e in entries where e.key.prefix(prefix).reduce(0, { $0 << 8 | Int($1) }) != keyGroup {
                problems.append("key \(e.key.hexString) not in key group \(keyGroup)")
            }
            all += entries
        }
        return (all, problems)
    }

    /// The dump path's view of an LSM instance: decoded entries, encoded back to canonical bytes.
    static func decodedAndReencoded(_ state: FlinkRocksDBState) throws -> [RawKeyedEntry] {
        var out: [RawKeyedEntry] = []
        try state.forEachEntry { e in
            let (key, value) = try state.schemas[e.stateIndex].encodeCanonical(e, keyGroupPrefixBytes: state.keyGroupPrefixBytes)
            out.append(RawKeyedEntry(stateIndex: e.stateIndex, key: key, value: value))
        }
        return out
    }

    static func sorted(_ entries: [RawKeyedEntry]) -> [RawKeyedEntry] {
        entries.sorted { a, b in
            if a.stateIndex != b.stateIndex || a.key != b.key { return RawKeyedEntry.canonicalOrder(a, b) }
            return a.value.lexicographicallyPrecedes(b.value)
        }
    }

    /// Opens a handle written into `directory` (relative files there, the rest inline).
    static func open(_ handle: IncrementalRemoteKeyedStateHandle, in directory: URL,
                     maxParallelism: Int) throws -> (state: FlinkRocksDBState, files: [String: [UInt8]]) {
        var files: [String: [UInt8]] = [:]
        for entry in handle.sharedState + handle.privateState {
            files[entry.localPath] = try bytes(of: entry.handle, in: directory)
        }
        var r = ByteReader(try bytes(of: handle.metaDataState, in: directory))
        let proxy = try KeyedBackendSerializationProxy.read(from: &r)
        let sources = files.mapValues { InMemoryByteSource(name: "written", bytes: $0) as any ByteSource }
        let range = handle.keyGroupRange
        let state = try FlinkRocksDBState(files: sources, proxy: proxy, keyGroups: range.startKeyGroup...max(range.startKeyGroup, range.endKeyGroup),
                                          maxParallelism: maxParallelism)
        return (state, files)
    }

    static func bytes(of handle: StreamStateHandle?, in directory: URL) throws -> [UInt8] {
        switch handle {
        case let .byteStream(_, data)?: return data
        case let .relativeFile(path, size)?:
            let data = Array(try Data(contentsOf: directory.appendingPathComponent(path)))
            guard data.count == size else { throw FormatError(file: path, offset: 0, "size \(data.count), handle says \(size)") }
            return data
        default: throw FormatError(offset: 0, "unexpected handle \(String(describing: handle))")
        }
    }

    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lsm-convert-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A `RawKeyedStateReader` over a canonical-layout keyed stream (tag 7 savepoint handles), key
/// group by key group, each sorted (a heap backend writes its keys in hash order).
struct CanonicalStreamTestReader: RawKeyedStateReader {
    let stream: KeyedStateStream
    let keyGroupRange: KeyGroupRange
    var proxy: KeyedBackendSerializationProxy { stream.proxy }
    var maxParallelism: Int { stream.maxParallelism }

    func forEachKeyGroup(_ body: (RawKeyGroup) throws -> Void) throws {
        for (keyGroup, range) in stream.keyGroupRanges().sorted(by: { $0.keyGroup < $1.keyGroup }) {
            var entries: [RawKeyedEntry] = []
            try stream.forEachRawEntry(inKeyGroup: keyGroup, byteRange: range) { raw in
                var key: [UInt8] = stream.keyGroupPrefixBytes == 2 ? [UInt8(raw.keyGroup >> 8)] : []
                key.append(UInt8(raw.keyGroup & 0xFF))
                key += raw.keyAfterPrefix.remainingBytes
                entries.append(RawKeyedEntry(stateIndex: raw.stateIndex, key: key, value: raw.value.remainingBytes))
            }
            if !entries.isEmpty { try body(RawKeyGroup(keyGroup, entries.sorted(by: RawKeyedEntry.canonicalOrder))) }
        }
    }
}

extension RawKeyGroup {
    /// A key group holding `entries` in the order given.
    init(_ keyGroup: Int, _ entries: [RawKeyedEntry]) {
        self.init(keyGroup: keyGroup)
        for e in entries { append(stateIndex: e.stateIndex, key: e.key, value: e.value) }
    }
}
