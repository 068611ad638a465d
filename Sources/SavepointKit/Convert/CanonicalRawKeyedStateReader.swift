import Bytes
import CanonicalFormat
import SavepointMetadata

/// Raw entries of a keyed state stream in the canonical layout (canonical savepoints of both
/// backends, RocksDB full checkpoints). Keys and values are handed on as stored; each key group is
/// sorted, because the heap backend writes its canonical savepoints in hash order.
public struct CanonicalRawKeyedStateReader: RawKeyedStateReader {
    public let stream: KeyedStateStream
    public let keyGroupRange: KeyGroupRange

    public init(stream: KeyedStateStream, keyGroupRange: KeyGroupRange) throws {
        guard stream.layout == .canonical else {
            throw FormatError(file: stream.source.name, offset: 0, "expected a keyed state stream in the canonical layout")
        }
        self.stream = stream
        self.keyGroupRange = keyGroupRange
    }

    public var proxy: KeyedBackendSerializationProxy { stream.proxy }
    public var maxParallelism: Int { stream.maxParallelism }

    public func forEachKeyGroup(_ body: (_ group: RawKeyGroup) throws -> Void) throws {
        let prefixBytes = stream.keyGroupPrefixBytes
        var group = RawKeyGroup()
        for (keyGroup, range) in stream.keyGroupRanges() {
            group.reset(keyGroup: keyGroup)
            try stream.forEachRawEntry(inKeyGroup: keyGroup, byteRange: range, inPlace: { e in
                guard e.keyGroup == keyGroup else { return false }
                group.append(stateIndex: e.stateIndex, keyGroupPrefixBytes: prefixBytes, keyAfterPrefix: e.keyAfterPrefix, value: e.value)
                return true
            }) { raw in
                // Entries that are not well framed or name another key group: the reader-based path
                // reports the framing error; a foreign key group is an error here.
                guard raw.keyGroup == keyGroup else {
                    throw raw.keyAfterPrefix.error("entry of key group \(raw.keyGroup) inside the block of key group \(keyGroup)")
                }
                group.append(stateIndex: raw.stateIndex,
                             key: KeyGroupPrefix.bytes(keyGroup, prefixBytes: prefixBytes) + raw.keyAfterPrefix.remainingBytes,
                             value: raw.value.remainingBytes)
            }
            guard !group.isEmpty else { continue }
            group.sortIntoCanonicalOrder()
            try body(group)
        }
    }
}

extension CanonicalRawKeyedStateReader {
    /// Digests the stream in place: no copy into key groups and no sorting (a digest does not
    /// depend on order). Entries of a foreign key group are an error, as in `forEachKeyGroup`.
    public func digest() throws -> StateDigest {
        let box = DigestBox(for: self)
        for (keyGroup, range) in stream.keyGroupRanges() {
            try box.adding { add in
                try stream.forEachRawEntry(inKeyGroup: keyGroup, byteRange: range, inPlace: { e in
                    guard e.keyGroup == keyGroup else { return false }
                    add(e.stateIndex, StateDigest.hash(keyGroup: keyGroup, keyAfterPrefix: e.keyAfterPrefix, value: e.value))
                    return true
                }) { raw in
                    guard raw.keyGroup == keyGroup else {
                        throw raw.keyAfterPrefix.error("entry of key group \(raw.keyGroup) inside the block of key group \(keyGroup)")
                    }
                    let key = raw.keyAfterPrefix.remainingBytes, value = raw.value.remainingBytes
                    key.withUnsafeBufferPointer { k in
                        value.withUnsafeBufferPointer { v in add(raw.stateIndex, StateDigest.hash(keyGroup: keyGroup, keyAfterPrefix: k, value: v)) }
                    }
                }
            }
        }
        return box.digest
    }
}

/// The big-endian key-group prefix of a canonical key (1 byte up to 128 key groups, else 2).
enum KeyGroupPrefix {
    static func bytes(_ keyGroup: Int, prefixBytes: Int) -> [UInt8] {
        prefixBytes == 2 ? [UInt8(truncatingIfNeeded: keyGroup >> 8), UInt8(truncatingIfNeeded: keyGroup)]
                         : [UInt8(truncatingIfNeeded: keyGroup)]
    }
}
