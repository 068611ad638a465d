import Bytes

/// The properties block (`rocksdb.properties`, `table/meta_blocks.cc`): name → value, where
/// integers are varint64 value bytes and strings are raw. We keep every pair and decode the
/// well-known ones on demand, so new RocksDB properties are still shown.
public struct TableProperties: Sendable {
    public var all: [(name: String, value: [UInt8])]

    public init(all: [(name: String, value: [UInt8])]) { self.all = all }

    public static func read(_ block: Block) throws -> TableProperties {
        var cursor = block.cursor()
        var all: [(String, [UInt8])] = []
        while let (key, value) = try cursor.next() {
            all.append((String(decoding: key, as: UTF8.self), Array(value)))
        }
        return TableProperties(all: all)
    }

    public func raw(_ name: String) -> [UInt8]? { all.first { $0.name == name }?.value }

    public func string(_ name: String) -> String? {
        raw(name).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A varint64 property (nil when absent or malformed).
    public func integer(_ name: String) -> UInt64? {
        guard let bytes = raw(name) else { return nil }
        var r = ByteReader(bytes)
        return try? r.readVarUInt64()
    }

    // MARK: well-known properties

    public var columnFamilyID: UInt64? { integer("rocksdb.column.family.id") }
    public var columnFamilyName: String? { string("rocksdb.column.family.name") }
    public var comparator: String? { string("rocksdb.comparator") }
    public var mergeOperator: String? { string("rocksdb.merge.operator") }
    public var compression: String? { string("rocksdb.compression") }
    public var entryCount: UInt64? { integer("rocksdb.num.entries") }
    public var dataBlockCount: UInt64? { integer("rocksdb.num.data.blocks") }
    public var deletionCount: UInt64? { integer("rocksdb.deleted.keys") }
    public var mergeOperandCount: UInt64? { integer("rocksdb.merge.operands") }
    public var rangeDeletionCount: UInt64? { integer("rocksdb.num.range-deletions") }
    public var dataSize: UInt64? { integer("rocksdb.data.size") }
    public var rawKeySize: UInt64? { integer("rocksdb.raw.key.size") }
    public var rawValueSize: UInt64? { integer("rocksdb.raw.value.size") }
    public var indexKeyIsUserKey: Bool { integer("rocksdb.index.key.is.user.key") == 1 }
    public var indexValueIsDeltaEncoded: Bool { integer("rocksdb.index.value.is.delta.encoded") == 1 }

    /// `rocksdb.block.based.table.index.type` is a fixed32, unlike the other integers.
    public var indexType: IndexType {
        guard let bytes = raw("rocksdb.block.based.table.index.type"), bytes.count == 4 else { return .binarySearch }
        var r = ByteReader(bytes)
        let value = (try? r.readU32LE()) ?? 0
        return IndexType(rawValue: value) ?? .unknown
    }

    /// A global sequence number applies to every key of an ingested external file.
    public var hasExternalFileGlobalSequence: Bool { raw("rocksdb.external_sst_file.global_seqno") != nil }
}

/// `BlockBasedTableOptions::IndexType`.
public enum IndexType: UInt32, Sendable {
    case binarySearch = 0
    case hashSearch = 1
    case twoLevel = 2
    case binarySearchWithFirstKey = 3
    case unknown = 0xFFFF_FFFF
}
