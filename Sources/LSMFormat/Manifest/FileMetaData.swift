/// A live table file as the MANIFEST records it (`FileMetaData`, `db/version_edit.h`).
public struct FileMetaData: Sendable, Equatable {
    public var number: UInt64
    public var size: UInt64
    public var smallest: InternalKey
    public var largest: InternalKey
    public var smallestSequence: UInt64
    public var largestSequence: UInt64
    /// Non-zero only in multi-path DBs (never in Flink).
    public var pathID: UInt32 = 0
    /// Level-0 files are ordered by epoch, higher = newer (RocksDB ≥ 7.10; inferred when absent).
    public var epochNumber: UInt64?
    public var oldestAncesterTime: UInt64?
    public var fileCreationTime: UInt64?
    public var fileChecksum: [UInt8]?
    public var fileChecksumFunction: String?
    public var temperature: UInt8?
    public var uniqueID: [UInt8]?
    public var tailSize: UInt64?
    public var needsCompaction = false

    public init(number: UInt64, size: UInt64, smallest: InternalKey, largest: InternalKey,
                smallestSequence: UInt64, largestSequence: UInt64) {
        self.number = number
        self.size = size
        self.smallest = smallest
        self.largest = largest
        self.smallestSequence = smallestSequence
        self.largestSequence = largestSequence
    }

    /// The table's file name in the DB directory: `%06u.sst`.
    public var fileName: String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".sst"
    }
}
