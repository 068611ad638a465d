import Bytes

/// The counters a table builder keeps while adding entries, and the properties block built from
/// them at the end (`PropertyBlockBuilder::AddTableProperty`, `table/meta_blocks.cc`, plus the
/// block-based table's own collector): name → value sorted by name, integers as varint64,
/// strings raw, the index type as fixed32. The mirror of `TableProperties.read`.
struct TablePropertiesBuilder: Sendable {
    var entryCount: UInt64 = 0
    var deletionCount: UInt64 = 0
    var mergeOperandCount: UInt64 = 0
    var rangeDeletionCount: UInt64 = 0
    var rawKeySize: UInt64 = 0
    var rawValueSize: UInt64 = 0
    var dataBlockCount: UInt64 = 0
    /// Data blocks with their trailers; also where the tail (index, meta blocks) starts.
    var dataSize: UInt64 = 0
    /// Raw index block contents plus a trailer, as RocksDB counts it.
    var indexSize: UInt64 = 0
    var indexKeyIsUserKey = true
    var indexValueIsDeltaEncoded = true

    mutating func count(keyLength: Int, valueLength: Int, type: UInt8) {
        entryCount += 1
        rawKeySize += UInt64(keyLength)
        rawValueSize += UInt64(valueLength)
        switch ValueType(rawValue: type) {
        case .deletion, .singleDeletion, .deletionWithTimestamp: deletionCount += 1
        case .merge: mergeOperandCount += 1
        case .rangeDeletion: rangeDeletionCount += 1
        default: break
        }
    }

    /// Every property FRocksDB writes for a Flink table, in the order of the block.
    func properties(_ options: TableOptions) -> [(name: String, value: [UInt8])] {
        var p: [String: [UInt8]] = [:]
        func int(_ name: String, _ v: UInt64) { var w = ByteWriter(capacity: 10); w.writeVarUInt64(v); p[name] = w.bytes }
        func str(_ name: String, _ s: String) { p[name] = Array(s.utf8) }
        let r = "rocksdb."
        int(r + "raw.key.size", rawKeySize)
        int(r + "raw.value.size", rawValueSize)
        int(r + "data.size", dataSize)
        int(r + "index.size", indexSize)
        int(r + "index.key.is.user.key", indexKeyIsUserKey ? 1 : 0)
        int(r + "index.value.is.delta.encoded", indexValueIsDeltaEncoded ? 1 : 0)
        int(r + "num.entries", entryCount)
        int(r + "deleted.keys", deletionCount)
        int(r + "merge.operands", mergeOperandCount)
        int(r + "num.range-deletions", rangeDeletionCount)
        int(r + "num.data.blocks", dataBlockCount)
        int(r + "filter.size", 0)
        // The plain-table format version, always 0 for block-based tables.
        int(r + "format.version", 0)
        int(r + "fixed.key.length", 0)
        int(r + "column.family.id", UInt64(options.columnFamilyID))
        int(r + "creation.time", options.creationTime)
        int(r + "oldest.key.time", options.oldestKeyTime)
        if options.fileCreationTime > 0 { int(r + "file.creation.time", options.fileCreationTime) }
        if !options.dbIdentity.isEmpty { str(r + "creating.db.identity", options.dbIdentity) }
        if !options.dbSessionIdentity.isEmpty { str(r + "creating.session.identity", options.dbSessionIdentity) }
        if !options.dbHostIdentity.isEmpty { str(r + "creating.host.identity", options.dbHostIdentity) }
        str(r + "comparator", options.comparatorName)
        str(r + "merge.operator", options.mergeOperatorName ?? "nullptr")
        str(r + "prefix.extractor.name", "nullptr")
        str(r + "property.collectors", "[]")
        str(r + "column.family.name", options.columnFamilyName)
        str(r + "compression", options.compression.description)
        str(r + "compression_options", options.compressionOptions ?? options.release.compressionOptionsProperty)
        if options.release.writesNewerProperties {
            int(r + "num.filter_entries", 0)
            if options.originalFileNumber > 0 { int(r + "original.file.number", options.originalFileNumber) }
            if dataSize > 0 { int(r + "tail.start.offset", dataSize) }
        }
        // BlockBasedTablePropertiesCollector: index type (fixed32), whole-key and prefix filtering.
        var indexType: [UInt8] = []
        appendFixed32(IndexType.binarySearch.rawValue, to: &indexType)
        p[r + "block.based.table.index.type"] = indexType
        str(r + "block.based.table.whole.key.filtering", "1")
        str(r + "block.based.table.prefix.filtering", "0")
        return p.map { ($0.key, $0.value) }.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
    }

    /// The encoded properties block: one restart point (RocksDB uses an "infinite" interval).
    func block(_ options: TableOptions) -> (contents: [UInt8], properties: TableProperties) {
        let all = properties(options)
        var builder = BlockBuilder(restartInterval: Int(Int32.max))
        for (name, value) in all { builder.add(Array(name.utf8), value) }
        return (builder.finish(), TableProperties(all: all))
    }
}
