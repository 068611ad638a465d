import CanonicalFormat

/// One keyed state's numbers, gathered while the report walks the key groups: entries, key and
/// value bytes, bytes per key group and per subtask, and the `top` largest entries (a bounded
/// list: memory is `top` entries per state, whatever the state's size).
struct StateTally {
    /// RocksDB keeps a merged value below 2^31 bytes (its `std::string` size limit on merge, see
    /// facebook/rocksdb `db/merge_helper.cc`); a list value at half of that is reported.
    static let mergeLimitWarning: Int64 = 1 << 30
    /// Values longer than this are not kept for rendering their key (the key is rendered from an
    /// empty value then, as a list's or map's key can be).
    static let keptValueLimit = 1 << 20

    struct Candidate {
        var keyGroup: Int
        var key: [UInt8]
        var value: [UInt8]?
        var keyBytes: Int64
        var valueBytes: Int64
        var bytes: Int64 { keyBytes + valueBytes }
    }

    let isList: Bool
    let top: Int
    var entries: Int64 = 0
    var keyBytes: Int64 = 0
    var valueBytes: Int64 = 0
    /// Bytes per key group from `firstKeyGroup` (a subtask's range while it is tallied alone).
    var perKeyGroup: [Int64]
    let firstKeyGroup: Int
    var perSubtask: [Int64]
    var largest: [Candidate] = []
    var nearLimit: [Candidate] = []
    /// The smallest of `largest` once it is full: most entries are compared with this only.
    var floor: Int64 = -1

    init(isList: Bool, top: Int, keyGroups: Range<Int>, subtasks: Int) {
        self.isList = isList
        self.top = top
        firstKeyGroup = keyGroups.lowerBound
        perKeyGroup = [Int64](repeating: 0, count: keyGroups.count)
        perSubtask = [Int64](repeating: 0, count: max(subtasks, 1))
    }

    mutating func add(keyGroup: Int, subtask: Int, key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        let k = Int64(key.count), v = Int64(value.count)
        entries += 1
        keyBytes += k
        valueBytes += v
        let at = keyGroup - firstKeyGroup
        if at >= 0, at < perKeyGroup.count { perKeyGroup[at] += k + v }
        if subtask < perSubtask.count { perSubtask[subtask] += k + v }
        if isList, v >= Self.mergeLimitWarning, nearLimit.count < top {
            nearLimit.append(candidate(keyGroup, key, value))
        }
        guard top > 0, k + v > floor else { return }
        if largest.count < top {
            largest.append(candidate(keyGroup, key, value))
        } else if let smallest = largest.indices.min(by: { largest[$0].bytes < largest[$1].bytes }) {
            largest[smallest] = candidate(keyGroup, key, value)
        }
        if largest.count == top { floor = largest.map(\.bytes).min()! }
    }

    private func candidate(_ keyGroup: Int, _ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) -> Candidate {
        Candidate(keyGroup: keyGroup, key: Array(key), value: value.count <= Self.keptValueLimit ? Array(value) : nil,
                  keyBytes: Int64(key.count), valueBytes: Int64(value.count))
    }

    /// Adds another subtask's tally of the same state (subtasks are tallied side by side).
    mutating func merge(_ other: StateTally) {
        entries += other.entries
        keyBytes += other.keyBytes
        valueBytes += other.valueBytes
        for (i, n) in other.perKeyGroup.enumerated() {
            let at = other.firstKeyGroup + i - firstKeyGroup
            if at >= 0, at < perKeyGroup.count { perKeyGroup[at] += n }
        }
        for i in perSubtask.indices { perSubtask[i] += other.perSubtask[i] }
        nearLimit = Array((nearLimit + other.nearLimit).prefix(top))
        largest = Array((largest + other.largest).sorted { $0.bytes > $1.bytes }.prefix(top))
        floor = largest.count == top ? largest.map(\.bytes).min()! : -1
    }
}
