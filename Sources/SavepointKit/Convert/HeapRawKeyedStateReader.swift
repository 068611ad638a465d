import Bytes
import CanonicalFormat
import SavepointMetadata

/// Raw entries of a keyed state stream in the heap backend's own layout (hashmap checkpoints and
/// native savepoints). The heap layout has no canonical bytes: each entry is decoded with the
/// state's serializers and encoded canonically (a heap list is one entry with its elements joined
/// by 0x2C, a heap map one entry per user key), then each key group is sorted.
public struct HeapRawKeyedStateReader: RawKeyedStateReader {
    public let stream: KeyedStateStream
    public let keyGroupRange: KeyGroupRange

    public init(stream: KeyedStateStream, keyGroupRange: KeyGroupRange) throws {
        guard stream.layout == .heap else {
            throw FormatError(file: stream.source.name, offset: 0, "expected a keyed state stream in the heap layout")
        }
        self.stream = stream
        self.keyGroupRange = keyGroupRange
    }

    public var proxy: KeyedBackendSerializationProxy { stream.proxy }
    public var maxParallelism: Int { stream.maxParallelism }

    public func forEachKeyGroup(_ body: (_ group: RawKeyGroup) throws -> Void) throws {
        let schemas = stream.schemas
        let prefixBytes = stream.keyGroupPrefixBytes
        var group = RawKeyGroup()
        for (keyGroup, range) in stream.keyGroupRanges() {
            group.reset(keyGroup: keyGroup)
            try stream.forEachEntry(inKeyGroup: keyGroup, byteRange: range) { entry in
                // Empty lists are never snapshotted by Flink's canonical writers; skip them too.
                if case let .list(elements) = entry.value, elements.isEmpty { return }
                let (key, value) = try schemas[entry.stateIndex].encodeCanonical(entry, keyGroupPrefixBytes: prefixBytes)
                group.append(stateIndex: entry.stateIndex, key: key, value: value)
            }
            guard !group.isEmpty else { continue }
            group.sortIntoCanonicalOrder()
            try body(group)
        }
    }
}
