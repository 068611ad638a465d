import CanonicalFormat

/// One keyed state's numbers, gathered while the report walks the key groups: entries, key and
/// value bytes, bytes per key group and per subtask, and the `top` largest entries (a bounded
/// list: memory is `top` entries per state, whatever the state's size). Nothing here depends on
/// the order entries come in (the largest are ranked with ties broken by key group, then key), so
/// a canonical stream is tallied in stored order, unsorted.
struct StateTally {
    /// RocksDB keeps a merged value below 2^31 bytes (its `std::string` size limit on merge, see
    /// facebook/rocksdb `db/merge_helper.cc`); a list value at half of that is reported.
    static let mergeLimitWarning: Int64 = 1 << 30
    /// Values longer than this are not kept for rendering their key (the key is rendered from an
    /// empty value then, as a list's or map's key can be).
    static let keptValueLimit = 1 << 20

    struct Candidate {
        var keyGroup: Int
        /// The whole key, key-group prefix included.
        var key: [UInt8]
        var value: [UInt8]?
        var keyBytes: Int64
        var valueBytes: Int64
        var bytes: Int64 { keyBytes + valueBytes }

        /// Largest first; equal sizes in key-group, then key order.
        func ranks(above other: Candidate) -> Bool {
            bytes != other.bytes ? bytes > other.bytes
                : keyGroup != other.keyGroup ? keyGroup < other.keyGroup : key.lexicographicallyPrecedes(other.key)
        }
    }

    let isList: Bool
    let top: Int
    /// TTL states: where the timestamp is in each value, and the time ages are measured from.
    let ttl: (offset: Int, now: Int64)?
    /// Entries and bytes per `TTLAges` bucket (empty without `ttl`).
    var ageEntries: [Int64]
    var ageBytes: [Int64]
    var entries: Int64 = 0
    var keyBytes: Int64 = 0
    var valueBytes: Int64 = 0
    /// Bytes per key group from `firstKeyGroup` (a subtask's range while it is tallied alone).
    var perKeyGroup: [Int64]
    let firstKeyGroup: Int
    var perSubtask: [Int64]
    var largest: [Candidate] = []
    var nearLimit: [Candidate] = []
    /// The size of the lowest-ranked of `largest` once it is full: most entries are compared with this only.
    var floor: Int64 = -1
    /// Where in `largest` that lowest-ranked entry is.
    var lowest = 0

    init(isList: Bool, top: Int, keyGroups: Range<Int>, subtasks: Int, ttl: (offset: Int, now: Int64)? = nil) {
        self.isList = isList
        self.top = top
        self.ttl = ttl
        ageEntries = [Int64](repeating: 0, count: ttl == nil ? 0 : TTLAges.labels.count)
        ageBytes = ageEntries
        firstKeyGroup = keyGroups.lowerBound
        perKeyGroup = [Int64](repeating: 0, count: keyGroups.count)
        perSubtask = [Int64](repeating: 0, count: max(subtasks, 1))
    }

    /// An entry whose key (`key`) holds its key-group prefix.
    mutating func add(keyGroup: Int, subtask: Int, key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        add(keyGroup: keyGroup, subtask: subtask, prefixBytes: 0, keyAfterPrefix: key, value: value)
    }

    /// An entry as a canonical stream stores it: `prefixBytes` of key-group prefix (not in the
    /// buffer, rebuilt big-endian from `keyGroup` for the few entries kept), then `keyAfterPrefix`.
    mutating func add(keyGroup: Int, subtask: Int, prefixBytes: Int, keyAfterPrefix: UnsafeBufferPointer<UInt8>,
                      value: UnsafeBufferPointer<UInt8>) {
        let k = Int64(prefixBytes + keyAfterPrefix.count), v = Int64(value.count)
        entries += 1
        keyBytes += k
        valueBytes += v
        let at = keyGroup - firstKeyGroup
        if at >= 0, at < perKeyGroup.count { perKeyGroup[at] += k + v }
        if subtask < perSubtask.count { perSubtask[subtask] += k + v }
        if let ttl, let bucket = TTLAges.bucket(of: value, offset: ttl.offset, now: ttl.now) {
            ageEntries[bucket] += 1
            ageBytes[bucket] += k + v
        }
        if isList, v >= Self.mergeLimitWarning, nearLimit.count < top {
            nearLimit.append(Self.candidate(keyGroup, prefixBytes, keyAfterPrefix, value))
        }
        guard top > 0, k + v >= floor else { return }
        if largest.count < top {
            largest.append(Self.candidate(keyGroup, prefixBytes, keyAfterPrefix, value))
        } else {
            // Equal to the lowest in size: kept only if it ranks above it (checked before copying).
            if k + v == floor {
                let low = largest[lowest]
                guard keyGroup <= low.keyGroup else { return }
                if keyGroup == low.keyGroup,
                   !keyAfterPrefix.lexicographicallyPrecedes(low.key.dropFirst(prefixBytes)) { return }
            }
            largest[lowest] = Self.candidate(keyGroup, prefixBytes, keyAfterPrefix, value)
        }
        if largest.count == top { rankLowest() }
    }

    /// The lowest-ranked of a full `largest`, and its size.
    private mutating func rankLowest() {
        lowest = largest.indices.min { largest[$1].ranks(above: largest[$0]) }!
        floor = largest[lowest].bytes
    }

    private static func candidate(_ keyGroup: Int, _ prefixBytes: Int, _ keyAfterPrefix: UnsafeBufferPointer<UInt8>,
                                  _ value: UnsafeBufferPointer<UInt8>) -> Candidate {
        var key = [UInt8]()
        key.reserveCapacity(prefixBytes + keyAfterPrefix.count)
        for i in stride(from: prefixBytes - 1, through: 0, by: -1) { key.append(UInt8(truncatingIfNeeded: keyGroup >> (8 * i))) }
        key.append(contentsOf: keyAfterPrefix)
        return Candidate(keyGroup: keyGroup, key: key, value: value.count <= keptValueLimit ? Array(value) : nil,
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
        for i in ageEntries.indices where i < other.ageEntries.count {
            ageEntries[i] += other.ageEntries[i]
            ageBytes[i] += other.ageBytes[i]
        }
        nearLimit = Array((nearLimit + other.nearLimit).prefix(top))
        largest = Array((largest + other.largest).sorted { $0.ranks(above: $1) }.prefix(top))
        if top > 0, largest.count == top { rankLowest() } else { floor = -1 }
    }
}
