import Bytes
import Storage

/// A block-based SST opened for reading (`BlockBasedTable`, `table/block_based/block_based_table_reader.cc`).
///
/// Opening reads only the footer, metaindex, properties and index; data blocks are read one at a
/// time while iterating, so memory follows the block size, not the table size. Every block's
/// trailer checksum is verified before it is decompressed and parsed.
public final class BlockBasedTable: Sendable {
    public struct Options: Sendable {
        /// Refuse a block that claims to decompress to more than this.
        public var maxBlockSize: Int
        public var verifyChecksums: Bool
        public init(maxBlockSize: Int = 256 << 20, verifyChecksums: Bool = true) {
            self.maxBlockSize = maxBlockSize
            self.verifyChecksums = verifyChecksums
        }
    }

    public let source: any ByteSource
    public let options: Options
    public let footer: Footer
    /// Meta block name → handle (`rocksdb.properties`, `rocksdb.range_del`, filters, …).
    public let metaindex: [(name: String, handle: BlockHandle)]
    public let properties: TableProperties
    public let indexHandle: BlockHandle
    /// One handle per data block, in key order.
    public let dataBlocks: [BlockHandle]

    public init(source: any ByteSource, options: Options = Options()) throws {
        self.source = source
        self.options = options
        do {
            let tailStart = max(0, source.size - Footer.encodedLength)
            footer = try Footer.read(tail: try source.reader(tailStart..<source.size), fileSize: source.size)
            metaindex = try Self.readMetaindex(source, footer, options)
            guard let propertiesHandle = metaindex.first(where: { $0.name == Self.propertiesBlockName })?.handle else {
                throw FormatError(offset: Int(footer.metaindexHandle.offset), "metaindex has no rocksdb.properties block")
            }
            properties = try TableProperties.read(
                try Self.readBlock(source, footer, options, propertiesHandle, kind: "properties"))
            guard let index = footer.indexHandle ?? metaindex.first(where: { $0.name == Self.indexBlockName })?.handle else {
                throw FormatError(offset: Int(footer.metaindexHandle.offset), "table has no index block handle")
            }
            indexHandle = index
            dataBlocks = try Self.readDataBlockHandles(source, footer, options, properties, index)
        } catch let error as FormatError {
            throw error.located(in: source.name)
        }
    }

    /// The table in the file at `path` of `storage` (a local file unless named).
    public convenience init(path: String, in storage: any Storage = LocalStorage(), options: Options = Options()) throws {
        try self.init(source: try storage.source(path, offset: 0, length: nil), options: options)
    }

    static let propertiesBlockName = "rocksdb.properties"
    static let rangeDeletionBlockName = "rocksdb.range_del"
    /// format_version ≥ 6 moves the index handle from the footer into the metaindex.
    static let indexBlockName = "rocksdb.index"

    // MARK: iteration

    /// A cursor over all entries, block by block.
    public func makeCursor() -> TableCursor { TableCursor(table: self) }

    /// Calls `body` with every entry in order; return `false` to stop early.
    public func forEachEntry(_ body: (TableEntry) throws -> Bool) throws {
        var cursor = makeCursor()
        while let entry = try cursor.next() {
            if try !body(entry) { return }
        }
    }

    /// All entries (for small tables and tests).
    public func entries() throws -> [TableEntry] {
        var out: [TableEntry] = []
        try forEachEntry { out.append($0); return true }
        return out
    }

    /// The range tombstones of the `rocksdb.range_del` meta block (empty when there is none).
    public func rangeTombstones() throws -> [RangeTombstone] {
        guard let handle = metaindex.first(where: { $0.name == Self.rangeDeletionBlockName })?.handle else { return [] }
        let block = try readBlock(handle, kind: "range deletion")
        var cursor = block.cursor()
        var out: [RangeTombstone] = []
        while let (key, value) = try cursor.next() {
            let start = try InternalKey(encoded: key, at: Int(handle.offset))
            out.append(RangeTombstone(start: start.userKey, end: Array(value), sequence: start.sequence))
        }
        return out
    }

    /// Reads, verifies and decodes the block at `handle`.
    public func readBlock(_ handle: BlockHandle, kind: String) throws -> Block {
        do {
            return try Self.readBlock(source, footer, options, handle, kind: kind)
        } catch let error as FormatError {
            throw error.located(in: source.name)
        }
    }

    // MARK: opening

    private static func readMetaindex(_ source: any ByteSource, _ footer: Footer, _ options: Options) throws
        -> [(name: String, handle: BlockHandle)]
    {
        let block = try readBlock(source, footer, options, footer.metaindexHandle, kind: "metaindex")
        var cursor = block.cursor()
        var out: [(String, BlockHandle)] = []
        while let (key, value) = try cursor.next() {
            var r = ByteReader(Array(value))
            let handle = try BlockHandle.read(from: &r)
            out.append((String(decoding: key, as: UTF8.self), handle))
        }
        return out
    }

    private static func readDataBlockHandles(
        _ source: any ByteSource, _ footer: Footer, _ options: Options,
        _ properties: TableProperties, _ indexHandle: BlockHandle
    ) throws -> [BlockHandle] {
        let delta = footer.formatVersion >= 4 && properties.indexValueIsDeltaEncoded
        let index = try readBlock(source, footer, options, indexHandle, kind: "index")
        switch properties.indexType {
        case .binarySearch, .hashSearch:
            return try handles(in: index, delta: delta, firstKey: false)
        case .binarySearchWithFirstKey:
            return try handles(in: index, delta: delta, firstKey: true)
        case .twoLevel:
            // The top level points at index partitions; each partition is an ordinary index block.
            // Flink's ForSt backend writes these by default (partitioned index/filters), RocksDB does not.
            return try handles(in: index, delta: delta, firstKey: false).flatMap { partition in
                try handles(in: try readBlock(source, footer, options, partition, kind: "index partition"),
                            delta: delta, firstKey: false)
            }
        case .unknown:
            throw FormatError(offset: Int(indexHandle.offset), "unknown index type in the table properties")
        }
    }

    static func handles(in block: Block, delta: Bool, firstKey: Bool) throws -> [BlockHandle] {
        if let handles = wellFormedHandles(in: block, delta: delta, firstKey: firstKey) { return handles }
        // Something is wrong: the cursor says what, where.
        var cursor = block.cursor()
        var out: [BlockHandle] = []
        while let handle = try cursor.nextIndexHandle(valueDeltaEncoded: delta, hasFirstKey: firstKey) {
            out.append(handle)
        }
        return out
    }

    /// `handles(in:)` of a well-formed index block, read in place (a table's index has an entry
    /// per data block: the reader-based cursor cost most of opening a table); nil at anything the
    /// cursor would refuse (or anything unusual: a varint of more than 63 bits), which then reads
    /// it again to report it. Entries as `BlockCursor.nextIndexHandle` reads them: keys skipped,
    /// a non-delta value read inside its length (bytes after the handle and first key ignored).
    private static func wellFormedHandles(in block: Block, delta: Bool, firstKey: Bool) -> [BlockHandle]? {
        let contents = block.contents
        let from = contents.start, end = contents.start + block.entriesLength
        return contents.storage.withUnsafeBufferPointer { bytes -> [BlockHandle]? in
            guard let base = bytes.baseAddress, end <= bytes.count else { return nil }
            var out: [BlockHandle] = []
            out.reserveCapacity(block.restartCount)
            var i = from, keyLength = 0
            var previous: BlockHandle?
            while i < end {
                guard let shared = LEB128.uint32(base, at: &i, end: end).map(Int.init),
                      let nonShared = LEB128.uint32(base, at: &i, end: end).map(Int.init) else { return nil }
                var valueLength: Int?
                if !delta {
                    guard let length = LEB128.uint32(base, at: &i, end: end) else { return nil }
                    valueLength = Int(length)
                }
                guard shared <= keyLength, nonShared <= end - i else { return nil }
                i += nonShared
                keyLength = shared + nonShared
                let valueEnd = valueLength.map { i + $0 } ?? end
                guard valueEnd <= end else { return nil }
                let handle: BlockHandle
                if delta && shared != 0 {
                    guard let previous, let zigzag = LEB128.uint64(base, at: &i, end: valueEnd) else { return nil }
                    let sizeDelta = Int64(bitPattern: (zigzag >> 1) ^ (0 &- (zigzag & 1)))
                    handle = BlockHandle(offset: previous.end, size: UInt64(bitPattern: Int64(bitPattern: previous.size) &+ sizeDelta))
                } else {
                    guard let offset = LEB128.uint64(base, at: &i, end: valueEnd),
                          let size = LEB128.uint64(base, at: &i, end: valueEnd) else { return nil }
                    handle = BlockHandle(offset: offset, size: size)
                }
                if firstKey {
                    guard let length = LEB128.uint32(base, at: &i, end: valueEnd).map(Int.init), length <= valueEnd - i else { return nil }
                    i += length
                }
                if !delta { i = valueEnd }
                out.append(handle)
                previous = handle
            }
            return out
        }
    }

    static func readBlock(
        _ source: any ByteSource, _ footer: Footer, _ options: Options, _ handle: BlockHandle, kind: String
    ) throws -> Block {
        try decodeStored(try source.reader(try storedRange(source, handle, kind: kind)), footer, options, handle, kind: kind)
    }

    /// Where the block at `handle` and its trailer lie in the file, checked to be inside it.
    static func storedRange(_ source: any ByteSource, _ handle: BlockHandle, kind: String) throws -> Range<Int> {
        let size = Int(clamping: handle.size)
        let start = Int(clamping: handle.offset)
        guard start <= source.size, size <= source.size - start - BlockHandle.trailerSize else {
            throw FormatError(
                offset: start,
                "\(kind) \(handle) with its 5-byte trailer lies outside the file of \(source.size) bytes (truncated?)")
        }
        return start..<(start + size + BlockHandle.trailerSize)
    }

    /// Verifies and decodes a block from its stored bytes (`stored`: the block and its trailer).
    static func decodeStored(
        _ stored: ByteReader, _ footer: Footer, _ options: Options, _ handle: BlockHandle, kind: String
    ) throws -> Block {
        let (body, compression) = try verifiedBody(stored, footer, options, handle, kind: kind)
        let decoded = try compression.decompress(body, formatVersion: footer.formatVersion, limit: options.maxBlockSize)
        return try Block(decoded, blockOffset: handle.offset, kind: kind)
    }

    /// `decodeStored` for a walk over the data blocks: decompressed into `spare`, the buffer the
    /// block before gave back (`DataBlockReadAhead.spare`), not into a new one per block.
    static func decodeStoredData(
        _ stored: ByteReader, _ footer: Footer, _ options: Options, _ handle: BlockHandle, spare: inout [UInt8]
    ) throws -> Block {
        let (body, compression) = try verifiedBody(stored, footer, options, handle, kind: "data")
        var buffer: [UInt8] = []
        swap(&buffer, &spare)
        let length = try compression.decompress(body, formatVersion: footer.formatVersion, limit: options.maxBlockSize,
                                                into: &buffer)
        return try Block(buffer, count: length, blockOffset: handle.offset, kind: "data")
    }

    /// The block's bytes (still compressed) once its checksum and compression type are checked.
    private static func verifiedBody(
        _ stored: ByteReader, _ footer: Footer, _ options: Options, _ handle: BlockHandle, kind: String
    ) throws -> (ByteReader, BlockCompression) {
        let size = Int(clamping: handle.size)
        let start = Int(clamping: handle.offset)
        var trailer = try stored.slice(from: size)
        let typeByte = try trailer.readU8("the block compression type")
        let storedChecksum = try trailer.readU32LE("the block checksum")
        var body = stored
        body = try body.readSlice(size, what: "the block")
        if options.verifyChecksums, footer.checksumType != .none {
            try verify(body, typeByte: typeByte, storedChecksum: storedChecksum, footer: footer, handle: handle, kind: kind)
        }
        guard let compression = BlockCompression(rawValue: typeByte) else {
            throw FormatError(offset: start + size, "\(kind) block at offset \(start) has unknown compression type \(typeByte)")
        }
        return (body, compression)
    }

    private static func verify(
        _ body: ByteReader, typeByte: UInt8, storedChecksum: UInt32, footer: Footer, handle: BlockHandle, kind: String
    ) throws {
        var body = body
        let computed = try body.withBytes(body.remaining) { footer.checksumType.checksum($0, lastByte: typeByte) }
            &+ ChecksumType.contextModifier(base: footer.baseContextChecksum, offset: handle.offset)
        guard computed == storedChecksum else {
            throw FormatError(
                offset: Int(handle.offset),
                "\(footer.checksumType) checksum mismatch in the \(kind) block at offset \(handle.offset) "
                    + "(\(handle.size) bytes): stored \(hex(storedChecksum)), computed \(hex(computed))")
        }
    }
}

/// The stored bytes of a table's data blocks, read ahead a window at a time: a walk over every
/// block (`BlockBasedTable.walkNewestVersions`) reads the file in a few large reads rather than
/// one per block, and keeps at most one window in memory.
@usableFromInline
struct DataBlockReadAhead {
    /// The window's bytes, the first `range.count` of this buffer (reused from window to window).
    var bytes: [UInt8] = []
    /// The buffer of the block last walked, given back once walked (`walkNewestVersions`), for
    /// the next block to be decompressed into.
    @usableFromInline var spare: [UInt8] = []
    /// Where `bytes` lie in the file.
    var range: Range<Int> = 0..<0
    static let windowSize = 1 << 20

    @usableFromInline
    init() {}
}

extension BlockBasedTable {
    /// `readBlock(dataBlocks[index], kind: "data")`, the stored bytes taken from a window read
    /// ahead (from this block on, up to `DataBlockReadAhead.windowSize` and the end of the file).
    /// The same checks and errors: a block outside the file fails as it does there, and a window
    /// that does not read leaves the block to be read on its own.
    @usableFromInline
    func readDataBlock(_ index: Int, readAhead: inout DataBlockReadAhead) throws -> Block {
        let handle = dataBlocks[index]
        do {
            let range = try Self.storedRange(source, handle, kind: "data")
            if range.lowerBound < readAhead.range.lowerBound || range.upperBound > readAhead.range.upperBound {
                let window = range.lowerBound..<max(range.upperBound, min(source.size, range.lowerBound + DataBlockReadAhead.windowSize))
                if (try? source.read(window, into: &readAhead.bytes)) != nil {
                    readAhead.range = window
                } else {
                    readAhead.bytes = []
                    readAhead.range = 0..<0
                    return try Self.decodeStoredData(try source.reader(range), footer, options, handle, spare: &readAhead.spare)
                }
            }
            // The buffer may be longer than the window (it held a longer one before).
            var buffer = ByteReader(readAhead.bytes, baseOffset: readAhead.range.lowerBound)
            var window = try buffer.readSlice(readAhead.range.count)
            try window.seek(to: range.lowerBound - readAhead.range.lowerBound)
            return try Self.decodeStoredData(try window.readSlice(range.count), footer, options, handle, spare: &readAhead.spare)
        } catch let error as FormatError {
            throw error.located(in: source.name)
        }
    }
}

/// A reused buffer of block bytes that a `TableCursor` lends entries from (see `blockBytes`).
final class LentBlock {
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    var capacity: Int { bytes.count }

    init(capacity: Int) { bytes = .allocate(capacity: max(capacity, 1)) }
    deinit { bytes.deallocate() }

    /// Holds a copy of `block` from the start; its bytes, valid until the next call or the end of this.
    func set(_ block: [UInt8]) -> UnsafeBufferPointer<UInt8> {
        block.withUnsafeBufferPointer { b in
            if let from = b.baseAddress { bytes.baseAddress!.update(from: from, count: b.count) }
        }
        return UnsafeBufferPointer(start: bytes.baseAddress, count: block.count)
    }
}

func hex(_ v: UInt32) -> String {
    let digits = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}

/// Iterates a table's entries one data block at a time. (`@unchecked`: `blockBytes` points into
/// `lentBlock`, which the cursor holds and never changes while a copy shares it.)
public struct TableCursor: @unchecked Sendable {
    let table: BlockBasedTable
    private var nextBlock = 0
    private var current: BlockCursor?
    private var currentOffset: UInt64 = 0

    /// The lending walk's current entry: its internal key, its value's range in the current
    /// block, its trailer.
    /// The stepped entry's internal key and trailer (its value stays in the block: `steppedValue`).
    private var stepped = InternalEntryBuffer()
    private var steppedValue: Range<Int> = 0..<0
    /// The current block's bytes, which lent values point into, and the lending walk's place in
    /// them: the next entry's start and where entries end (plain indexes: the walk keeps no
    /// `BlockCursor`, whose copy per entry retained its arrays).
    private var lentBlock: LentBlock?
    /// `lentBlock`'s bytes: lending them per entry is a pointer, where an array's buffer is
    /// retained and released around each lending closure.
    private var blockBytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    private var stepAt = 0, stepEnd = 0
    /// The block being stepped through, for the message of a malformed entry.
    private var steppedBlockInfo: Block?

    init(table: BlockBasedTable) { self.table = table }

    /// A cursor that starts at data block `firstBlock`: resuming after a damaged block (salvage).
    init(table: BlockBasedTable, firstBlock: Int) {
        self.table = table
        nextBlock = firstBlock
    }

    /// The data block the cursor reads next; the one it is in (or failed to read) is this minus one.
    var nextBlockIndex: Int { nextBlock }

    /// The lending walk (a cursor is walked with `step` or with `next`, never both): moves to the
    /// next entry, checks that it follows the previous one in internal-key order, and says whether
    /// it is another version of the previous entry's user key. Nothing is copied but the key's
    /// new suffix; `withStepped` lends the entry until the next call. Nil at the end (and after).
    public mutating func step() throws -> EntryStep? {
        while true {
            if stepAt < stepEnd {
                let (at, end) = (stepAt, stepEnd)
                let previousKeyCount = stepped.key.count
                guard let (value, order) = BlockCursor.step(blockBytes, at: at, end: end, key: &stepped.key) else {
                    throw BlockCursor.malformedEntry(in: steppedBlockInfo!, at: at, previousKeyCount: previousKeyCount)
                }
                stepAt = value.upperBound
                let previousTrailer = stepped.trailer
                stepped.keyFilled()
                guard order > 0 || (order == 0 && stepped.trailer <= previousTrailer) else {
                    throw FormatError(file: table.source.name, offset: Int(currentOffset),
                                      "data block at offset \(currentOffset): entries out of order: \(steppedInternalKey) after a key that sorts after it")
                }
                steppedValue = value
                return EntryStep(trailer: stepped.trailer, sameUserKeyAsPrevious: order == 0, blockOffset: currentOffset)
            }
            guard nextBlock < table.dataBlocks.count else { return nil }
            let handle = table.dataBlocks[nextBlock]
            nextBlock += 1
            let block = try table.readBlock(handle, kind: "data")
            if lentBlock == nil || !isKnownUniquelyReferenced(&lentBlock!) || lentBlock!.capacity < block.contents.storage.count {
                lentBlock = LentBlock(capacity: max(block.contents.storage.count, 2 * (lentBlock?.capacity ?? 0)))
            }
            blockBytes = lentBlock!.set(block.contents.storage)
            (stepAt, stepEnd) = (block.contents.start, block.contents.start + block.entriesLength)
            steppedBlockInfo = block
            currentOffset = handle.offset
        }
    }

    /// The entry `step` moved to: user key and value in place.
    public mutating func withStepped<R>(_ body: (_ userKey: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try stepped.withUserKey { k in
            try body(k, UnsafeBufferPointer(rebasing: blockBytes[steppedValue]))
        }
    }

    /// The stepped entry's internal key, for messages.
    public var steppedInternalKey: InternalKey { stepped.internalKey }

    public mutating func next() throws -> TableEntry? {
        while true {
            // Mutate the block cursor in place: a copy would share (and then copy) its key buffer.
            if current != nil, let (key, value) = try current!.next() {
                do {
                    return TableEntry(key: try InternalKey(encoded: key), value: value, blockOffset: currentOffset)
                } catch let error as FormatError {
                    throw FormatError(file: table.source.name, offset: Int(currentOffset),
                                      "data block at offset \(currentOffset): \(error.message)")
                }
            }
            guard nextBlock < table.dataBlocks.count else { return nil }
            let handle = table.dataBlocks[nextBlock]
            nextBlock += 1
            current = try table.readBlock(handle, kind: "data").cursor()
            currentOffset = handle.offset
        }
    }
}
