import CanonicalFormat
import Foundation

/// One key group of one side of a diff, copied out of a reader's `RawKeyGroup` into buffers this
/// side owns, with each state's entries found by the state's name (its index in the diff's list of
/// names), not by its index in the reader's proxy: two sides may order their states differently.
final class DiffKeyGroup {
    struct Entry {
        var keyStart: Int
        var keyCount: Int
        var valueStart: Int
        var valueCount: Int
    }

    var keyGroup = 0
    /// Keys and values back to back.
    var bytes: [UInt8] = []
    var entries: [Entry] = []
    /// Per state of the diff: its entries' range in `entries`, in canonical (unsigned bytewise) key order.
    var ranges: [Range<Int>] = []

    /// Refills this key group from `group`; `stateOf` maps a reader's state index to the diff's.
    /// The group's encodings are copied in one piece and its slots point into the copy (a copy per
    /// entry cost a fifth of a diff). Filled in local arrays: a class's arrays changed per entry
    /// cost an exclusivity check each.
    func fill(from group: RawKeyGroup, stateOf: [Int], stateCount: Int) {
        keyGroup = group.keyGroup
        var bytes = self.bytes, entries = self.entries
        self.bytes = []
        self.entries = []
        bytes.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        group.withEncodedBytes { bytes.append(contentsOf: $0) }
        var ranges = [Range<Int>](repeating: 0..<0, count: stateCount)
        var current = -1
        var start = 0
        entries.reserveCapacity(group.count)
        for slot in group.slots {
            // A reader's group is sorted by its own state index, so each state is one run.
            let stateIndex = Int(slot.stateIndex)
            if stateIndex != current {
                if current >= 0, current < stateOf.count { ranges[stateOf[current]] = start..<entries.count }
                current = stateIndex
                start = entries.count
            }
            entries.append(Entry(keyStart: slot.start, keyCount: Int(slot.keyCount), valueStart: slot.valueStart,
                                 valueCount: slot.valueCount))
        }
        if current >= 0, current < stateOf.count { ranges[stateOf[current]] = start..<entries.count }
        self.bytes = bytes
        self.entries = entries
        self.ranges = ranges
    }

    /// Keys and values of the entries in `range`.
    func byteCount(_ range: Range<Int>) -> Int64 {
        entries.withUnsafeBufferPointer { e in range.reduce(0) { $0 + Int64(e[$1].keyCount + e[$1].valueCount) } }
    }
}

/// Turns one side's readers (its subtasks, in key-group order) into key groups pulled one at a
/// time, so that two sides can be walked side by side (a merge join per key group). Readers push
/// their key groups (`forEachKeyGroup`); a thread per side runs that walk and hands over copies
/// through two reusable buffers: memory is two key groups per side whatever the state's size, and
/// the sides are read on two cores while the comparison runs.
final class KeyGroupFeed: @unchecked Sendable {
    private let condition = NSCondition()
    private var free: [DiffKeyGroup] = [DiffKeyGroup(), DiffKeyGroup()]
    private var full: [DiffKeyGroup] = []
    private var done = false
    private var failure: (any Error)?
    private var cancelled = false
    private var running = true
    /// The group the consumer holds (returned to `free` on the next `next()`).
    private var held: DiffKeyGroup?

    struct Cancelled: Error {}

    /// `readers` in ascending key-group order; `stateOf[i]` maps reader i's state indexes to the diff's.
    init(readers: [any RawKeyedStateReader], stateOf: [[Int]], stateCount: Int) {
        let box = UncheckedSendable((readers, stateOf))
        let thread = Thread { [self] in
            do {
                for (i, reader) in box.value.0.enumerated() {
                    let map = box.value.1[i]
                    try reader.forEachKeyGroup { group in
                        let slot = try self.takeFree()
                        slot.fill(from: group, stateOf: map, stateCount: stateCount)
                        self.put(slot)
                    }
                }
                self.finish(nil)
            } catch {
                self.finish(error)
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func takeFree() throws -> DiffKeyGroup {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty, !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        return free.removeLast()
    }

    private func put(_ group: DiffKeyGroup) {
        condition.lock()
        full.append(group)
        condition.broadcast()
        condition.unlock()
    }

    private func finish(_ error: (any Error)?) {
        condition.lock()
        done = true
        running = false
        if !(error is Cancelled) { failure = error }
        condition.broadcast()
        condition.unlock()
    }

    /// The next key group, nil at the end; the one returned before is no longer valid.
    func next() throws -> DiffKeyGroup? {
        condition.lock()
        defer { condition.unlock() }
        if let held { free.append(held); self.held = nil; condition.broadcast() }
        while full.isEmpty, !done { condition.wait() }
        if let failure { throw failure }
        guard !full.isEmpty else { return nil }
        held = full.removeFirst()
        return held
    }

    /// Stops the reading thread and waits for it (after a failure on the other side, or at the end).
    func close() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }
}

struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
