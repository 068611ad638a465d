import Bytes

/// Builds a `kBinarySearch` index block with `kShortenSeparators` (RocksDB's
/// `ShortenedIndexBuilder`, `table/block_based/index_builder.cc`): one entry per data block whose
/// key is a short separator between that block's last key and the next block's first key.
///
/// Since format_version 3 the index stores user keys only, unless a block boundary falls between
/// two entries of one user key; then every separator keeps its 8-byte trailer. We keep the
/// separators (one per data block, the only part of a table held in memory) and choose the form
/// when the table is finished.
struct IndexBlockBuilder: Sendable {
    let formatVersion: UInt32
    let restartInterval: Int
    let seekType: UInt8
    private var separators: [[UInt8]] = []
    private var handles: [BlockHandle] = []
    /// Whether separators must stay internal keys (always before format_version 3).
    private(set) var separatorIsKeyPlusSequence: Bool

    init(formatVersion: UInt32, restartInterval: Int, seekType: UInt8) {
        self.formatVersion = formatVersion
        self.restartInterval = restartInterval
        self.seekType = seekType
        separatorIsKeyPlusSequence = formatVersion <= 2
    }

    /// Value delta encoding of handles (format_version ≥ 4).
    var valueDeltaEncoded: Bool { formatVersion >= 4 }
    var isEmpty: Bool { handles.isEmpty }

    /// Records the data block at `handle`, whose last internal key is `lastKey`; `nextKey` is the
    /// first internal key of the following block (`nil` for the last block, which keeps its key).
    mutating func add(lastKey: [UInt8], nextKey: [UInt8]?, handle: BlockHandle) {
        var separator = lastKey
        if let nextKey {
            separator = Self.shortestSeparator(lastKey, nextKey, seekType: seekType)
            if !separatorIsKeyPlusSequence, userKeyPart(lastKey).elementsEqual(userKeyPart(nextKey)) {
                separatorIsKeyPlusSequence = true
            }
        }
        separators.append(separator)
        handles.append(handle)
    }

    /// The finished index block contents.
    func finish() -> [UInt8] {
        var block = BlockBuilder(restartInterval: restartInterval, valueDeltaEncoding: valueDeltaEncoded)
        var previous: BlockHandle?
        for (separator, handle) in zip(separators, handles) {
            var full = ByteWriter(capacity: 12)
            handle.write(to: &full)
            var delta = ByteWriter(capacity: 6)
            let sizeDelta = Int64(bitPattern: handle.size) &- Int64(bitPattern: previous?.size ?? 0)
            delta.writeVarUInt64(UInt64(bitPattern: (sizeDelta << 1) ^ (sizeDelta >> 63)))
            let key = separatorIsKeyPlusSequence ? separator[...] : userKeyPart(separator)
            block.add(key, full.bytes, deltaValue: delta.bytes)
            previous = handle
        }
        return block.finish()
    }

    /// `InternalKeyComparator::FindShortestSeparator` over the bytewise comparator: shorten the
    /// user key of `start` to something `≥ start` and `< limit`; when the result is shorter and
    /// larger, give it the smallest trailer for that user key (max sequence, seek type).
    static func shortestSeparator(_ start: [UInt8], _ limit: [UInt8], seekType: UInt8) -> [UInt8] {
        let userStart = Array(userKeyPart(start))
        var shortened = userStart
        bytewiseShortestSeparator(&shortened, userKeyPart(limit))
        guard shortened.count <= userStart.count, userStart.lexicographicallyPrecedes(shortened) else { return start }
        let trailer = InternalKey.maxSequence << 8 | UInt64(seekType)
        for i in 0..<8 { shortened.append(UInt8(truncatingIfNeeded: trailer >> (8 * UInt64(i)))) }
        return shortened
    }

    /// `BytewiseComparatorImpl::FindShortestSeparator`.
    static func bytewiseShortestSeparator(_ start: inout [UInt8], _ limit: ArraySlice<UInt8>) {
        let limit = Array(limit)
        let minLength = min(start.count, limit.count)
        var diff = 0
        while diff < minLength, start[diff] == limit[diff] { diff += 1 }
        // One is a prefix of the other, or start is already not below limit at the first difference.
        guard diff < minLength, start[diff] < limit[diff] else { return }
        if diff < limit.count - 1 || start[diff] + 1 < limit[diff] {
            start[diff] += 1
            start.removeSubrange((diff + 1)...)
            return
        }
        // Incrementing that byte would reach limit: increment the first later byte below 0xFF.
        var i = diff + 1
        while i < start.count {
            if start[i] < 0xFF {
                start[i] += 1
                start.removeSubrange((i + 1)...)
                return
            }
            i += 1
        }
    }
}

/// The user key part of an encoded internal key (all of it if shorter than a trailer).
func userKeyPart(_ internalKey: [UInt8]) -> ArraySlice<UInt8> {
    internalKey.prefix(max(0, internalKey.count - InternalKey.trailerSize))
}
