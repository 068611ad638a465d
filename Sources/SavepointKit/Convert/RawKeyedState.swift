import Bytes
import CanonicalFormat
import SavepointMetadata

/// One keyed state entry as arrays (tests, and callers that keep entries beyond a key group;
/// readers hand entries over as `RawKeyGroup`): the same in every form: the canonical key (key-group prefix
/// without the canonical format's flag bit, key, namespace, map user key) and the canonical value
/// (list state: elements joined by 0x2C, as RocksDB's merge operator also leaves them).
public struct RawKeyedEntry: Sendable, Equatable {
    /// Index of the state in the serialization proxy (`kvStateId`).
    public var stateIndex: Int
    public var key: [UInt8]
    public var value: [UInt8]

    public init(stateIndex: Int, key: [UInt8], value: [UInt8]) {
        self.stateIndex = stateIndex
        self.key = key
        self.value = value
    }

    /// The order every writer wants inside a key group: by state, then unsigned bytewise by key
    /// (RocksDB's order, and the order Flink's RocksDB backend writes canonical savepoints in).
    public static func canonicalOrder(_ a: RawKeyedEntry, _ b: RawKeyedEntry) -> Bool {
        if a.stateIndex != b.stateIndex { return a.stateIndex < b.stateIndex }
        return a.key.lexicographicallyPrecedes(b.key)
    }
}

/// One subtask's keyed state, read from any form and handed to a writer key group by key group.
///
/// Converting between forms moves bytes, not values: keys and values keep their serialized form,
/// so no job class is needed and the result restores exactly as the input did.
public protocol RawKeyedStateReader {
    /// The state meta information (written unchanged by every writer).
    var proxy: KeyedBackendSerializationProxy { get }
    var keyGroupRange: KeyGroupRange { get }
    var maxParallelism: Int { get }
    /// Calls `body` once per non-empty key group, in ascending key-group order, with that key
    /// group's entries in canonical order. Memory: one key group at a time; the group passed is
    /// reused for the next key group, so `body` must not keep it.
    func forEachKeyGroup(_ body: (_ group: RawKeyGroup) throws -> Void) throws
    /// Every entry's count and digest per state; the same as digesting `forEachKeyGroup`'s
    /// entries, which is the default. Entry order does not matter to a digest, so a form can do it
    /// in place.
    func digest() throws -> StateDigest
}

extension RawKeyGroup {
    /// The entries as arrays (copies).
    public var rawEntries: [RawKeyedEntry] {
        (0..<count).map { let e = entry($0); return RawKeyedEntry(stateIndex: e.stateIndex, key: e.key, value: e.value) }
    }
}
