import Bytes

/// Writes a block-based table (SST) the way FRocksDB's `BlockBasedTableBuilder` does, streaming:
/// entries arrive in internal-key order, each full data block is compressed, checksummed and
/// handed to the sink, and only the current block and the index (one separator per block) stay
/// in memory. The mirror of `BlockBasedTable`.
///
/// ```
/// [data block ‖ trailer]* [index ‖ trailer] [properties ‖ trailer] [metaindex ‖ trailer] [footer]
/// ```
/// No filter, compression dictionary or range-deletion block (Flink writes none).
public final class TableBuilder {
    public let options: TableOptions
    private let sink: any TableSink
    private var offset: UInt64 = 0
    private var dataBlock: BlockBuilder
    private var index: IndexBlockBuilder
    private var stats = TablePropertiesBuilder()
    private var lastKey: [UInt8] = []
    private var firstKey: [UInt8]?
    private var smallestSequence = UInt64.max
    private var largestSequence: UInt64 = 0
    private var finished = false

    public init(options: TableOptions, sink: any TableSink) throws {
        try options.validate()
        self.options = options
        self.sink = sink
        dataBlock = BlockBuilder(restartInterval: options.blockRestartInterval)
        index = IndexBlockBuilder(formatVersion: options.formatVersion, restartInterval: options.indexBlockRestartInterval,
                                  seekType: options.release.valueTypeForSeek)
    }

    /// Bytes written so far (data blocks only until `finish`).
    public var fileSize: UInt64 { offset }
    public var entryCount: UInt64 { stats.entryCount }

    public func add<V: Collection>(_ key: InternalKey, value: V) throws where V.Element == UInt8 {
        try add(encodedKey: key.encoded, value: value)
    }

    /// Adds an entry; `encodedKey` is an internal key (user key ‖ 8-byte trailer) strictly after
    /// the previous one in internal-key order.
    public func add<V: Collection>(encodedKey key: [UInt8], value: V) throws where V.Element == UInt8 {
        try add(encodedKey: key, value: Array(value))
    }

    /// The same with arrays.
    public func add(encodedKey key: [UInt8], value: [UInt8]) throws {
        try key.withUnsafeBufferPointer { k in try value.withUnsafeBufferPointer { v in try add(encodedKey: k, value: v) } }
    }

    /// The same with bytes in place: what writers pass, without generic dispatch or allocation
    /// per entry.
    public func add(encodedKey key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) throws {
        guard !finished else { throw FormatError(offset: Int(offset), "table already finished") }
        try checkOrder(key)
        if !dataBlock.isEmpty, shouldFlush(keySize: key.count, valueSize: value.count) {
            let handle = try flushDataBlock()
            index.add(lastKey: lastKey, nextKey: Array(key), handle: handle)
        }
        dataBlock.add(key, value)
        lastKey.removeAll(keepingCapacity: true)
        lastKey.append(contentsOf: key)
        if firstKey == nil { firstKey = Array(key) }
        let trailer = Self.trailer(of: key)
        smallestSequence = min(smallestSequence, trailer >> 8)
        largestSequence = max(largestSequence, trailer >> 8)
        stats.count(keyLength: key.count, valueLength: value.count, type: UInt8(truncatingIfNeeded: trailer))
    }

    /// Writes the last data block, index, properties, metaindex and footer.
    public func finish() throws -> TableSummary {
        guard !finished else { throw FormatError(offset: Int(offset), "table already finished") }
        finished = true
        if !dataBlock.isEmpty {
            let handle = try flushDataBlock()
            index.add(lastKey: lastKey, nextKey: nil, handle: handle)
        }
        let indexContents = index.finish()
        let indexHandle = try writeBlock(indexContents, compression: options.compressIndex ? options.compression : .none)
        stats.indexSize = UInt64(indexContents.count + BlockHandle.trailerSize)
        stats.indexKeyIsUserKey = !index.separatorIsKeyPlusSequence
        stats.indexValueIsDeltaEncoded = index.valueDeltaEncoded
        let (propertiesContents, properties) = stats.block(options)
        let propertiesHandle = try writeBlock(propertiesContents, compression: .none)
        var metaindex = BlockBuilder(restartInterval: 1)
        var handleBytes = ByteWriter(capacity: 12)
        propertiesHandle.write(to: &handleBytes)
        metaindex.add(Array(BlockBasedTable.propertiesBlockName.utf8), handleBytes.bytes)
        let metaindexHandle = try writeBlock(metaindex.finish(), compression: .none)
        var footer = ByteWriter(capacity: Footer.encodedLength)
        Footer(checksumType: options.checksum, formatVersion: options.formatVersion,
               metaindexHandle: metaindexHandle, indexHandle: indexHandle).write(to: &footer)
        try emit(footer.bytes)
        return try summary(properties)
    }

    // MARK: blocks

    /// `FlushBlockBySizePolicy`: close the block when it already reached the block size, or when
    /// the entry would take it past the block size while it is above the deviation limit.
    private func shouldFlush(keySize: Int, valueSize: Int) -> Bool {
        let current = dataBlock.sizeEstimate
        if current >= options.blockSize { return true }
        guard options.blockSizeDeviation > 0 else { return false }
        let after = dataBlock.estimatedSize(afterAddingKeySize: keySize, valueSize: valueSize)
        return after > options.blockSize && current > options.blockSizeDeviationLimit
    }

    private func flushDataBlock() throws -> BlockHandle {
        let handle = try writeBlock(dataBlock.finish(), compression: options.compression)
        stats.dataBlockCount += 1
        stats.dataSize = offset
        return handle
    }

    /// Compresses (if it pays off), appends the trailer (type ‖ checksum) and writes the block.
    private func writeBlock(_ raw: [UInt8], compression: BlockCompression) throws -> BlockHandle {
        var (type, stored) = try compression.storedForm(of: raw, release: options.release)
        let checksum = stored.withUnsafeBytes { options.checksum.checksum($0, lastByte: type.rawValue) }
        let handle = BlockHandle(offset: offset, size: UInt64(stored.count))
        stored.append(type.rawValue)
        appendFixed32(checksum, to: &stored)
        try emit(stored)
        return handle
    }

    private func emit(_ bytes: [UInt8]) throws {
        try sink.write(bytes)
        offset += UInt64(bytes.count)
    }

    // MARK: keys

    private func checkOrder(_ key: UnsafeBufferPointer<UInt8>) throws {
        guard key.count >= InternalKey.trailerSize else {
            throw FormatError(offset: Int(offset), "expected an internal key of at least 8 bytes, found \(key.count)")
        }
        guard firstKey != nil else { return }
        guard lastKey.withUnsafeBufferPointer({ Self.compareInternalKeys($0, key) }) < 0 else {
            throw FormatError(
                offset: Int(offset),
                "keys must be added in increasing internal-key order: \(lastKey.hexString) is followed by \(Array(key).hexString)")
        }
    }

    /// InternalKeyComparator over the bytewise comparator: user keys ascending, then the
    /// trailer (sequence, type) descending.
    static func compareInternalKeys(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in compareInternalKeys(x, y) } }
    }

    static func compareInternalKeys(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let order = InternalEntryBuffer.compareBytes(UnsafeBufferPointer(rebasing: a.dropLast(InternalKey.trailerSize)),
                                                     UnsafeBufferPointer(rebasing: b.dropLast(InternalKey.trailerSize)))
        if order != 0 { return order }
        let ta = trailer(of: a), tb = trailer(of: b)
        return ta > tb ? -1 : ta < tb ? 1 : 0
    }

    static func trailer(of key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var t: UInt64 = 0
        let start = key.count - InternalKey.trailerSize
        for i in 0..<InternalKey.trailerSize { t |= UInt64(key[start + i]) << (8 * UInt64(i)) }
        return t
    }

    private func summary(_ properties: TableProperties) throws -> TableSummary {
        let decode = { (bytes: [UInt8]) in try InternalKey(encoded: bytes) }
        return TableSummary(
            fileSize: offset, entryCount: stats.entryCount, dataBlockCount: stats.dataBlockCount,
            tailStartOffset: stats.dataSize,
            smallestKey: try firstKey.map(decode), largestKey: firstKey == nil ? nil : try decode(lastKey),
            smallestSequence: firstKey == nil ? 0 : smallestSequence, largestSequence: largestSequence,
            properties: properties)
    }
}

/// What a finished table holds: what its MANIFEST entry needs (size, key range, sequence range,
/// tail size) and the properties written.
public struct TableSummary: Sendable {
    public var fileSize: UInt64
    public var entryCount: UInt64
    public var dataBlockCount: UInt64
    /// Where the first non-data block starts (`rocksdb.tail.start.offset`).
    public var tailStartOffset: UInt64
    /// `nil` for a table without entries (RocksDB never records such a table).
    public var smallestKey: InternalKey?
    public var largestKey: InternalKey?
    public var smallestSequence: UInt64
    public var largestSequence: UInt64
    public var properties: TableProperties

    /// The MANIFEST record of this table as file `number`; `nil` if the table is empty.
    /// `release` decides whether the 8.x fields (tail size) are filled.
    public func fileMetaData(number: UInt64, release: RocksDBRelease = .frocksdb8_10) -> FileMetaData? {
        guard let smallestKey, let largestKey else { return nil }
        var file = FileMetaData(number: number, size: fileSize, smallest: smallestKey, largest: largestKey,
                                smallestSequence: smallestSequence, largestSequence: largestSequence)
        if release.writesNewerManifestFields { file.tailSize = fileSize - tailStartOffset }
        return file
    }
}
