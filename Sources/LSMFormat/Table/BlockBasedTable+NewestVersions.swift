import Bytes

/// What `BlockBasedTable.walkNewestVersions` hands each visible entry to: a type of the caller's,
/// so that the walk is specialized for it (no closure or existential per entry).
public protocol TableEntryVisitor {
    /// One visible entry: its user key and value in place, valid during the call only.
    mutating func visit(userKey: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) throws
}

extension BlockBasedTable {
    /// Each user key's newest version in this table, what `MergedColumnFamilyIterator` reads from
    /// a family of this one table without range tombstones: a put is visible with its value, a
    /// delete (or single delete) hides the key, merge operands are folded onto the versions below
    /// them (`VersionFold`, joined with `mergeDelimiter`); older versions after a decided key are
    /// skipped. The same checks, with the same errors, as `TableCursor.step` and the iterator:
    /// checksums, framing and internal-key order of every entry, and value types Flink writes
    /// (`name` says what is read in that error).
    ///
    /// One loop over the data blocks (read ahead in large reads, each checksum-verified and
    /// decompressed as `readBlock` does: `readDataBlock`) that decodes each entry in place (`table/block_based/block_builder.cc`):
    /// ```
    /// entry : varint32 shared ‖ varint32 non_shared ‖ varint32 value_len ‖ key[shared..] ‖ value
    /// key   : user key ‖ fixed64 (sequence << 8 | type), little-endian
    /// ```
    /// The key is rebuilt in one buffer that only each entry's non-shared suffix is written into;
    /// a put's value is lent from the decoded block. Inlinable, so that the loop is specialized
    /// for the visitor in the caller's module.
    @inlinable
    public func walkNewestVersions<V: TableEntryVisitor>(_ visitor: inout V, mergeDelimiter: UInt8 = 0x2C,
                                                         name: String) throws {
        var walk = NewestVersionWalk()
        defer { walk.deallocate() }
        var readAhead = DataBlockReadAhead()
        for index in dataBlocks.indices {
            let block = try readDataBlock(index, readAhead: &readAhead)
            let handle = dataBlocks[index]
            let start = block.contents.start
            try block.contents.storage.withUnsafeBufferPointer { bytes in
                try walk.walk(block, bytes, from: start, end: start + block.entriesLength, blockOffset: handle.offset,
                              into: &visitor, mergeDelimiter: mergeDelimiter, name: name, file: source.name)
            }
            // Its only holder once `block` ends, for the next block to decompress into.
            readAhead.spare = block.contents.storage
        }
        try walk.finishFold(into: &visitor, mergeDelimiter: mergeDelimiter)
    }
}

/// The state of `BlockBasedTable.walkNewestVersions` between entries and blocks.
@usableFromInline
struct NewestVersionWalk {
    /// The current internal key (user key ‖ trailer), `keyCount` bytes of `keyCapacity`.
    @usableFromInline var key: UnsafeMutablePointer<UInt8>
    @usableFromInline var keyCount = 0
    @usableFromInline var keyCapacity = 256
    /// The current entry's `sequence << 8 | type`.
    @usableFromInline var trailer: UInt64 = 0
    /// The current user key's newest version is a merge operand: its versions are being folded
    /// (into `fold`, its user key in `foldKey`) until the next user key.
    @usableFromInline var folding = false
    @usableFromInline var fold = VersionFold()
    @usableFromInline var foldKey = ByteScratch()

    @usableFromInline
    init() { key = .allocate(capacity: keyCapacity) }

    @usableFromInline
    func deallocate() { key.deallocate() }

    /// The entries of one decoded data block, `bytes[from..<end]`. The key, its length and the
    /// trailer live in locals for the loop (fields of an inout `self`, they were loaded and stored
    /// for every entry) and go back to `self` wherever something else reads them: growing the
    /// buffer, the general step, an error. An entry whose header is three one-byte varints (keys
    /// and values under 128 bytes, nearly all of Flink's) is read without a loop; a put of a new
    /// user key with no fold under way goes to the visitor straight away.
    @inlinable
    mutating func walk<V: TableEntryVisitor>(_ block: Block, _ bytes: UnsafeBufferPointer<UInt8>, from: Int, end: Int,
                                             blockOffset: UInt64, into visitor: inout V, mergeDelimiter: UInt8,
                                             name: String, file: String) throws {
        guard from < end else { return }
        guard let base = bytes.baseAddress, end <= bytes.count else {
            throw BlockCursor.malformedEntry(in: block, at: from, previousKeyCount: keyCount)
        }
        var key = self.key, keyCount = self.keyCount, trailer = self.trailer
        defer { (self.keyCount, self.trailer) = (keyCount, trailer) }
        var at = from
        while at < end {
            var i = at
            var shared: Int, nonShared: Int, valueLength: Int
            if end &- i >= 3, base[i] | base[i &+ 1] | base[i &+ 2] < 0x80 {
                (shared, nonShared, valueLength) = (Int(base[i]), Int(base[i &+ 1]), Int(base[i &+ 2]))
                i &+= 3
            } else if let h = BlockCursor.header(base, at: at, end: end, previousKeyCount: keyCount) {
                (shared, nonShared, valueLength) = (h.shared, h.nonShared, h.value.count)
                i = h.suffixStart
            } else {
                throw BlockCursor.malformedEntry(in: block, at: at, previousKeyCount: keyCount)
            }
            // Offsets inside the block: the sums cannot overflow.
            let count = shared &+ nonShared
            guard shared <= keyCount, nonShared <= end &- i, valueLength <= end &- i &- nonShared,
                  count >= InternalKey.trailerSize
            else { throw BlockCursor.malformedEntry(in: block, at: at, previousKeyCount: keyCount) }
            let suffix = base + i
            let order = keyCount == 0
                ? 1 : BlockCursor.userOrder(previous: UnsafeBufferPointer(start: key, count: keyCount), shared: shared,
                                            suffix: UnsafeBufferPointer(start: suffix, count: nonShared))
            if count > keyCapacity {
                self.keyCount = keyCount
                grow(to: count)
                key = self.key
            }
            SmallCopy.copy(suffix, to: key + shared, count: nonShared)
            keyCount = count
            let previousTrailer = trailer
            trailer = UInt64(littleEndian: UnsafeRawPointer(key + (count &- 8)).loadUnaligned(as: UInt64.self))
            guard order > 0 || (order == 0 && trailer <= previousTrailer) else {
                (self.keyCount, self.trailer) = (keyCount, trailer)
                throw outOfOrder(file: file, blockOffset: blockOffset)
            }
            let value = UnsafeBufferPointer(start: base + (i &+ nonShared), count: valueLength)
            at = i &+ nonShared &+ valueLength
            let typeByte = UInt8(truncatingIfNeeded: trailer)
            if order > 0, !folding, typeByte == ValueType.value.rawValue {
                try visitor.visit(userKey: UnsafeBufferPointer(start: key, count: count &- InternalKey.trailerSize), value: value)
                continue
            }
            (self.keyCount, self.trailer) = (keyCount, trailer)
            try step(order: order, typeByte: typeByte, value: value, into: &visitor, mergeDelimiter: mergeDelimiter,
                     name: name, blockOffset: blockOffset)
        }
    }

    /// Every other entry: an older version of the current user key (it counts only under merge
    /// operands), a fold to finish, a delete (hides the key), a merge operand (starts a fold), a
    /// value type Flink never writes.
    @inlinable
    mutating func step<V: TableEntryVisitor>(order: Int, typeByte: UInt8, value: UnsafeBufferPointer<UInt8>,
                                             into visitor: inout V, mergeDelimiter: UInt8, name: String,
                                             blockOffset: UInt64) throws {
        if order == 0 {
            if folding, !fold.done, !fold.add(typeByte: typeByte, value: value) {
                throw unexpectedType(name: name, blockOffset: blockOffset)
            }
            return
        }
        if folding { try finishFold(into: &visitor, mergeDelimiter: mergeDelimiter) }
        switch typeByte {
        case ValueType.value.rawValue:
            try visitor.visit(userKey: UnsafeBufferPointer(start: key, count: keyCount - InternalKey.trailerSize), value: value)
        case ValueType.deletion.rawValue, ValueType.singleDeletion.rawValue, ValueType.deletionWithTimestamp.rawValue:
            return
        case ValueType.merge.rawValue:
            startFold(value)
        default:
            throw unexpectedType(name: name, blockOffset: blockOffset)
        }
    }

    /// Hands the folded key, if it is visible, to the visitor; the walk is past its versions.
    @inlinable
    mutating func finishFold<V: TableEntryVisitor>(into visitor: inout V, mergeDelimiter: UInt8) throws {
        guard folding else { return }
        folding = false
        guard fold.finish(delimiter: mergeDelimiter) else { return }
        try foldKey.withBytes { k in try fold.value.withBytes { v in try visitor.visit(userKey: k, value: v) } }
    }

    /// The current key's newest version is the merge operand `value`.
    @usableFromInline
    mutating func startFold(_ value: UnsafeBufferPointer<UInt8>) {
        folding = true
        fold.reset()
        foldKey.set(UnsafeBufferPointer(start: key, count: keyCount - InternalKey.trailerSize))
        _ = fold.add(typeByte: ValueType.merge.rawValue, value: value)
    }

    @usableFromInline
    mutating func grow(to count: Int) {
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: max(count, 2 * keyCapacity))
        bigger.update(from: key, count: keyCount)
        key.deallocate()
        key = bigger
        keyCapacity = max(count, 2 * keyCapacity)
    }

    /// The key's internal key, for messages.
    @usableFromInline
    var internalKey: InternalKey {
        (try? InternalKey(encoded: UnsafeBufferPointer(start: key, count: keyCount)))
            ?? InternalKey(userKey: [], sequence: 0, typeByte: 0)
    }

    @usableFromInline
    func outOfOrder(file: String, blockOffset: UInt64) -> FormatError {
        FormatError(file: file, offset: Int(blockOffset),
                    "data block at offset \(blockOffset): entries out of order: \(internalKey) after a key that sorts after it")
    }

    @usableFromInline
    func unexpectedType(name: String, blockOffset: UInt64) -> FormatError {
        FormatError.unexpectedValueType(internalKey, name: name, blockOffset: blockOffset)
    }
}

extension FormatError {
    /// An entry of a value type Flink never writes (blob index, wide column entity, ...).
    static func unexpectedValueType(_ key: InternalKey, name: String, blockOffset: UInt64) -> FormatError {
        FormatError(offset: Int(blockOffset),
                    "\(name): key \(key) has value type \(key.typeByte), which Flink never writes "
                        + "(expected put, merge or delete)")
    }
}
