import Bytes
import CanonicalFormat

/// A table cursor that keeps going past a damaged data block. Keys start with their key-group
/// prefix, so the entries a damaged block held lie between the key group of the last entry read
/// before it and the key group of the first entry read after it: that span is recorded as damaged
/// (both ends included, since either key group may continue into the block), the cursor resumes at
/// the next block and skips what is left of the span's last key group.
struct SalvagingTableCursor: InternalEntryCursor {
    let table: BlockBasedTable
    let log: LSMDamageLog
    let prefixBytes: Int
    /// The instance's key groups: the bounds of a span that reaches the start or end of the table.
    let keyGroups: ClosedRange<Int>
    private var inner: TableCursor
    /// Key group of the last entry handed out.
    private var lastKeyGroup: Int?
    /// Damage found but not closed yet: its upper end is the first key group read after it.
    private var open: LSMDamage?
    /// Entries of key groups up to this one lie in a damaged span: skipped.
    private var skipThrough: Int?

    init(table: BlockBasedTable, log: LSMDamageLog, prefixBytes: Int, keyGroups: ClosedRange<Int>) {
        self.table = table
        self.log = log
        self.prefixBytes = prefixBytes
        self.keyGroups = keyGroups
        inner = table.makeCursor()
    }

    mutating func next() throws -> TableEntry? {
        while true {
            let entry: TableEntry?
            do {
                entry = try inner.next()
            } catch {
                resume(after: error)
                continue
            }
            guard let entry else {
                _ = end()
                return nil
            }
            let keyGroup = entry.key.userKey.withUnsafeBufferPointer { KeyGroupPrefix.keyGroup(of: $0, prefixBytes: prefixBytes) }
            if accept(keyGroup) { return entry }
        }
    }

    mutating func step() throws -> EntryStep? {
        while true {
            let step: EntryStep?
            do {
                step = try inner.step()
            } catch {
                resume(after: error)
                continue
            }
            guard let step else {
                _ = end()
                return nil
            }
            let prefixBytes = self.prefixBytes
            if accept(inner.withStepped { k, _ in KeyGroupPrefix.keyGroup(of: k, prefixBytes: prefixBytes) }) { return step }
        }
    }

    mutating func withStepped<R>(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try inner.withStepped(body)
    }

    var steppedInternalKey: InternalKey { inner.steppedInternalKey }

    /// The block being read failed: opens a damaged span (unless one is open already, when
    /// consecutive blocks fail) and moves on to the next block.
    private mutating func resume(after error: any Error) {
        let block = max(0, inner.nextBlockIndex - 1)
        if open == nil {
            let offset = block < table.dataBlocks.count ? table.dataBlocks[block].offset : nil
            open = LSMDamage(keyGroups: (lastKeyGroup ?? keyGroups.lowerBound)...keyGroups.upperBound,
                             file: table.source.name, blockOffset: offset, error: error)
        }
        inner = TableCursor(table: table, firstBlock: block + 1)
    }

    /// Whether an entry of `keyGroup` goes out; the first one after a damaged block closes its span.
    private mutating func accept(_ keyGroup: Int?) -> Bool {
        // A key too short for its prefix goes out: the key-group cursor reports it.
        guard let keyGroup else { return true }
        if var damage = open {
            damage.keyGroups = damage.keyGroups.lowerBound...max(damage.keyGroups.lowerBound, keyGroup)
            log.record(damage)
            open = nil
            skipThrough = keyGroup
        }
        if let skipThrough, keyGroup <= skipThrough { return false }
        lastKeyGroup = keyGroup
        return true
    }

    /// The table is done; a span still open reaches the end of the instance's key groups.
    private mutating func end() -> Bool {
        if let damage = open { log.record(damage) }
        open = nil
        return false
    }
}
