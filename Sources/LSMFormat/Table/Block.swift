import Bytes

/// One decoded (decompressed) block in RocksDB's generic block format (`table/block_based/block.cc`,
/// `block_builder.cc`), used for data, index, metaindex, properties and range-deletion blocks:
///
/// ```
/// entry*   : varint32 shared ‖ varint32 non_shared ‖ varint32 value_len ‖ key[shared..] ‖ value
/// restarts : fixed32 offset × num_restarts          (entries that store their whole key)
/// [hash index bytes ‖ u16 num_buckets]               (data blocks with a hash index only)
/// footer   : fixed32 num_restarts | index_type << 31
/// ```
/// Keys are prefix-compressed against the previous entry. Index blocks with value delta encoding
/// (format_version ≥ 4) drop value_len; see `BlockCursor.nextIndexEntry`.
public struct Block: Sendable {
    /// The whole decoded block.
    public let contents: ByteReader
    /// Bytes of entries (before the restart array).
    public let entriesLength: Int
    public let restartCount: Int
    /// File offset of the block, for error messages (offsets inside compressed blocks are not file offsets).
    public let blockOffset: UInt64
    /// What the block is, for messages ("data", "index", …).
    public let kind: String

    static let hashIndexFlag: UInt32 = 1 << 31

    public init(_ bytes: [UInt8], blockOffset: UInt64, kind: String) throws {
        try self.init(bytes, count: bytes.count, blockOffset: blockOffset, kind: kind)
    }

    /// The block in the first `count` bytes of `storage` (a reused buffer, longer than the block).
    public init(_ storage: [UInt8], count: Int, blockOffset: UInt64, kind: String) throws {
        self.blockOffset = blockOffset
        self.kind = kind
        var whole = ByteReader(storage)
        contents = try whole.readSlice(count)
        do {
            (entriesLength, restartCount) = try Self.layout(contents)
        } catch let error as FormatError {
            throw Self.locate(error, kind: kind, blockOffset: blockOffset)
        }
    }

    /// Finds the restart array from the block footer; returns where entries end.
    private static func layout(_ block: ByteReader) throws -> (entriesLength: Int, restarts: Int) {
        let size = block.remaining
        guard size >= 4 else { throw block.error("expected a block of at least 4 bytes, found \(size)") }
        var footer = try block.slice(from: size - 4)
        let packed = try footer.readU32LE("the block footer")
        let restarts = Int(packed & ~hashIndexFlag)
        var end = size - 4
        if packed & hashIndexFlag != 0 {
            guard end >= 2 else { throw block.error("block too short for its hash index") }
            var bucketsReader = try block.slice(from: end - 2)
            let buckets = Int(try bucketsReader.readU16("the hash index bucket count").byteSwapped)
            end -= 2 + buckets
        }
        guard restarts >= 1, end >= 0, restarts <= end / 4 else {
            throw block.error("block of \(size) bytes cannot hold \(restarts) restart points", at: size - 4)
        }
        return (end - 4 * restarts, restarts)
    }

    public func cursor() -> BlockCursor {
        BlockCursor(block: self)
    }

    static func locate(_ error: FormatError, kind: String, blockOffset: UInt64) -> FormatError {
        FormatError(file: error.file, offset: Int(blockOffset),
                    "\(kind) block at offset \(blockOffset): at byte \(error.offset) of its contents: \(error.message)")
    }
}

/// Walks a block's entries in order, rebuilding prefix-compressed keys.
public struct BlockCursor: Sendable {
    private var reader: ByteReader
    private let block: Block
    /// The current key (shared prefix plus this entry's suffix).
    public private(set) var key: [UInt8] = []
    private var previousHandle: BlockHandle?
    /// The current key's length, for `nextIndexHandle`, which follows keys without rebuilding them.
    private var skippedKeyLength = 0

    init(block: Block) {
        self.block = block
        // The range is valid by construction of `Block`.
        var r = block.contents
        reader = (try? r.readSlice(block.entriesLength)) ?? ByteReader([])
    }

    public var isAtEnd: Bool { reader.isAtEnd }

    /// The next `(key, value)`; the value is a slice of the block (no copy). `nil` at the end.
    public mutating func next() throws -> (key: [UInt8], value: ArraySlice<UInt8>)? {
        guard !reader.isAtEnd else { return nil }
        do {
            let (shared, nonShared) = try readKeyLengths()
            let valueLength = Int(try reader.readVarUInt32("an entry value length"))
            try extendKey(shared: shared, nonShared: nonShared)
            let value = try reader.readSlice(valueLength, what: "an entry value")
            return (key, value.storage[value.start..<value.end])
        } catch let error as FormatError {
            throw Block.locate(error, kind: block.kind, blockOffset: block.blockOffset)
        }
    }

    /// An entry's header (three varints: shared key bytes, key suffix length, value length)
    /// decoded in place at `from`, with the suffix and the value inside `end` and the shared
    /// prefix inside the previous key; nil otherwise (`malformedEntry` then says what is wrong).
    @usableFromInline
    struct EntryHeader {
        @usableFromInline let shared: Int, nonShared: Int, suffixStart: Int
        @usableFromInline let value: Range<Int>
        @inlinable
        init(shared: Int, nonShared: Int, suffixStart: Int, value: Range<Int>) {
            self.shared = shared
            self.nonShared = nonShared
            self.suffixStart = suffixStart
            self.value = value
        }
    }

    @inlinable @inline(__always)
    static func header(_ base: UnsafePointer<UInt8>, at from: Int, end: Int, previousKeyCount: Int) -> EntryHeader? {
        var i = from
        guard let shared = LEB128.uint32(base, at: &i, end: end).map(Int.init),
              let nonShared = LEB128.uint32(base, at: &i, end: end).map(Int.init),
              let valueLength = LEB128.uint32(base, at: &i, end: end).map(Int.init),
              shared <= previousKeyCount, nonShared <= end - i, valueLength <= end - i - nonShared
        else { return nil }
        let valueStart = i + nonShared
        return EntryHeader(shared: shared, nonShared: nonShared, suffixStart: i, value: valueStart..<(valueStart + valueLength))
    }

    /// The lending walk (`TableCursor.step`): decodes the entry at `from` of a block's bytes in
    /// place (entries end at `end`), rebuilding its internal key in `key`, which holds the previous
    /// entry's key (of this block or the one before; empty before the first entry). Returns where
    /// the value lies in the bytes (the next entry starts after it) and how the new user key
    /// orders against the previous one (-1 before it, 0 the same, 1 after it), compared before
    /// `key` is overwritten; nil for a malformed entry (`malformedEntry` says what is wrong).
    /// Static, over the bytes the caller holds: a walk that kept a `BlockCursor` copied (and
    /// retained) it per entry.
    @inline(__always)
    static func step(_ b: UnsafeBufferPointer<UInt8>, at from: Int, end: Int,
                     key: inout ByteScratch) -> (value: Range<Int>, userOrder: Int)? {
        guard let base = b.baseAddress, end <= b.count,
              let h = header(base, at: from, end: end, previousKeyCount: key.count),
              h.shared + h.nonShared >= InternalKey.trailerSize
        else { return nil }
        let suffix = UnsafeBufferPointer(start: base + h.suffixStart, count: h.nonShared)
        let order = key.isEmpty ? 1 : key.withBytes { userOrder(previous: $0, shared: h.shared, suffix: suffix) }
        key.truncate(to: h.shared)
        key.append(suffix)
        return (h.value, order)
    }

    /// What is wrong with the entry at `from` of `block`, which `step` refused.
    @usableFromInline
    static func malformedEntry(in block: Block, at from: Int, previousKeyCount: Int) -> FormatError {
        var cursor = BlockCursor(block: block)
        do {
            try cursor.reader.seek(to: from - cursor.reader.start)
        } catch {
            return FormatError(offset: Int(block.blockOffset), "\(block.kind) block at offset \(block.blockOffset): entry at \(from) lies outside its entries")
        }
        return cursor.malformedEntry(previousKeyCount: previousKeyCount)
    }

    /// How the user key of `previous[0..<shared] ‖ suffix` orders against that of `previous`
    /// (both internal keys: user key ‖ 8-byte trailer): only the bytes after the shared prefix
    /// need comparing.
    @inlinable @inline(__always)
    static func userOrder(previous: UnsafeBufferPointer<UInt8>, shared: Int, suffix: UnsafeBufferPointer<UInt8>) -> Int {
        let oldUser = previous.count - InternalKey.trailerSize
        let newUser = shared + suffix.count - InternalKey.trailerSize
        let common = min(oldUser, newUser)
        if shared < common {
            let c = InternalEntryBuffer.compareBytes(UnsafeBufferPointer(rebasing: previous[shared..<common]),
                                                     UnsafeBufferPointer(rebasing: suffix[0..<(common - shared)]))
            if c != 0 { return -c }
        }
        return oldUser == newUser ? 0 : (oldUser < newUser ? 1 : -1)
    }

    /// What is wrong with the entry at the reader's position, found by the reader-based steps
    /// (for the lending walk; in a well-formed header only a key shorter than a trailer is left).
    private func malformedEntry(previousKeyCount: Int) -> FormatError {
        var r = reader
        do {
            let shared = Int(try r.readVarUInt32("an entry's shared key length"))
            let nonShared = Int(try r.readVarUInt32("an entry's key length"))
            let valueLength = Int(try r.readVarUInt32("an entry value length"))
            guard shared <= previousKeyCount else {
                throw r.error("entry shares \(shared) key bytes but the previous key has \(previousKeyCount)")
            }
            try r.withBytes(nonShared, what: "an entry's key bytes") { _ in }
            try r.withBytes(valueLength, what: "an entry value") { _ in }
            throw r.error("expected an internal key of at least \(InternalKey.trailerSize) bytes, found \(shared + nonShared)")
        } catch let error as FormatError {
            return Block.locate(error, kind: block.kind, blockOffset: block.blockOffset)
        } catch {
            return FormatError(offset: Int(block.blockOffset), "\(error)")
        }
    }

    /// The next entry of an index block: separator key, the data block's handle and, for
    /// `kBinarySearchWithFirstKey`, that block's first key. With value delta encoding an entry
    /// that shares key bytes stores only `size − previous size` (zigzag varint); its offset
    /// follows the previous block and its trailer. Opening a table keeps only the handles
    /// (`BlockBasedTable.handles(in:)`); the keys are for checking what `TableBuilder` wrote and
    /// for holding the handle readers to the whole entry (the LSMFormat tests).
    public mutating func nextIndexEntry(
        valueDeltaEncoded: Bool, hasFirstKey: Bool
    ) throws -> (key: [UInt8], handle: BlockHandle, firstKey: [UInt8]?)? {
        guard !reader.isAtEnd else { return nil }
        do {
            let (shared, nonShared) = try readKeyLengths()
            if !valueDeltaEncoded {
                let valueLength = Int(try reader.readVarUInt32("an index value length"))
                try extendKey(shared: shared, nonShared: nonShared)
                var value = try reader.readSlice(valueLength, what: "an index value")
                let (handle, firstKey) = try Self.decodeIndexValue(
                    &value, delta: false, previous: previousHandle, hasFirstKey: hasFirstKey)
                previousHandle = handle
                return (key, handle, firstKey)
            }
            try extendKey(shared: shared, nonShared: nonShared)
            var r = reader
            let (handle, firstKey) = try Self.decodeIndexValue(
                &r, delta: shared != 0, previous: previousHandle, hasFirstKey: hasFirstKey)
            reader = r
            previousHandle = handle
            return (key, handle, firstKey)
        } catch let error as FormatError {
            throw Block.locate(error, kind: block.kind, blockOffset: block.blockOffset)
        }
    }

    /// The next index entry's data-block handle alone: what opening a table keeps of its index.
    /// The separator and first keys are skipped, not rebuilt (a table's index has an entry per
    /// data block), with the checks `nextIndexEntry` makes: the shared prefix within the previous
    /// key's length, every byte inside the block. Not to be mixed with `next` or `nextIndexEntry`
    /// on one cursor.
    public mutating func nextIndexHandle(valueDeltaEncoded: Bool, hasFirstKey: Bool) throws -> BlockHandle? {
        guard !reader.isAtEnd else { return nil }
        do {
            let (shared, nonShared) = try readKeyLengths()
            let valueLength = valueDeltaEncoded ? nil : Int(try reader.readVarUInt32("an index value length"))
            guard shared <= skippedKeyLength else {
                throw reader.error("entry shares \(shared) key bytes but the previous key has \(skippedKeyLength)")
            }
            try reader.withBytes(nonShared, what: "an entry's key bytes") { _ in }
            skippedKeyLength = shared + nonShared
            var value = try valueLength.map { try reader.readSlice($0, what: "an index value") } ?? reader
            let (handle, _) = try Self.decodeIndexValue(&value, delta: valueDeltaEncoded && shared != 0, previous: previousHandle,
                                                        hasFirstKey: hasFirstKey, keepFirstKey: false)
            if valueLength == nil { reader = value }
            previousHandle = handle
            return handle
        } catch let error as FormatError {
            throw Block.locate(error, kind: block.kind, blockOffset: block.blockOffset)
        }
    }

    private static func decodeIndexValue(
        _ r: inout ByteReader, delta: Bool, previous previousHandle: BlockHandle?, hasFirstKey: Bool,
        keepFirstKey: Bool = true
    ) throws -> (handle: BlockHandle, firstKey: [UInt8]?) {
        let handle: BlockHandle
        if delta {
            guard let previous = previousHandle else {
                throw r.error("index entry shares key bytes but has no previous handle to delta from")
            }
            let zigzag = try r.readVarUInt64("an index size delta")
            let sizeDelta = Int64(bitPattern: (zigzag >> 1) ^ (0 &- (zigzag & 1)))
            handle = BlockHandle(offset: previous.end, size: UInt64(bitPattern: Int64(bitPattern: previous.size) &+ sizeDelta))
        } else {
            handle = try BlockHandle.read(from: &r)
        }
        var firstKey: [UInt8]?
        if hasFirstKey {
            let length = Int(try r.readVarUInt32("a first-key length"))
            if keepFirstKey {
                firstKey = try r.readBytes(length, what: "a block's first key")
            } else {
                try r.withBytes(length, what: "a block's first key") { _ in }
            }
        }
        return (handle, firstKey)
    }

    private mutating func readKeyLengths() throws -> (Int, Int) {
        let shared = Int(try reader.readVarUInt32("an entry's shared key length"))
        let nonShared = Int(try reader.readVarUInt32("an entry's key length"))
        return (shared, nonShared)
    }

    private mutating func extendKey(shared: Int, nonShared: Int) throws {
        guard shared <= key.count else {
            throw reader.error("entry shares \(shared) key bytes but the previous key has \(key.count)")
        }
        key.removeSubrange(shared...)
        try reader.withBytes(nonShared, what: "an entry's key bytes") { key.append(contentsOf: $0) }
    }
}
