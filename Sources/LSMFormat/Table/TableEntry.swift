/// One entry of a table's data blocks: the internal key and its value (a slice of the decoded
/// block, valid as long as the caller keeps it).
public struct TableEntry: Sendable {
    public var key: InternalKey
    public var value: ArraySlice<UInt8>
    /// File offset of the data block the entry came from.
    public var blockOffset: UInt64
}

/// A range tombstone from the `rocksdb.range_del` block: it hides the keys in
/// `[start, end)` with sequence numbers below its own.
public struct RangeTombstone: Sendable, Equatable {
    public var start: [UInt8]
    public var end: [UInt8]
    public var sequence: UInt64
}
