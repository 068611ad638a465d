import CanonicalFormat
import FlinkSerialization

/// TTL share by age: a TTL state's entries (and their bytes) by how long ago they were last
/// accessed, from the last-access timestamp Flink keeps with each TTL value
/// (`TtlStateFactory.TtlSerializer` writes it first, a big-endian long; a map value starts with
/// `MapSerializer`'s null flag in the RocksDB layout, as `TTLPurgeStage` reads it). Ages are
/// relative to a reference time (`report --now`, default the clock). A list state's elements each
/// carry their own timestamp; lists are not aged (no `ttlAge`).
enum TTLAges {
    /// Bucket bounds in milliseconds of age: under 1 h, 1 h–1 d, 1–7 d, 7–30 d, 30–365 d, a year or
    /// more. An entry accessed after the reference time (a later `--now` was meant, or clock skew)
    /// has its own first bucket.
    static let bounds: [Int64] = [0, 3_600_000, 86_400_000, 604_800_000, 2_592_000_000, 31_536_000_000]
    static let labels = ["after now", "< 1 h", "1 h – 1 d", "1 d – 7 d", "7 d – 30 d", "30 d – 1 y", "≥ 1 y"]

    /// Where in each entry's value the state's TTL timestamp is; nil: not a TTL state, or a list.
    static func timestampOffset(_ meta: StateMetaInfoSnapshot, keySerializer: SerializerSnapshot) -> Int? {
        switch try? TTLPurgeStage.layout(of: meta, keySerializer: keySerializer) {
        case .value?: 0
        case .map?: 1
        case .list?, nil: nil
        }
    }

    /// The bucket of the value's timestamp at `offset`, nil when the value holds none (a null map value).
    static func bucket(of value: UnsafeBufferPointer<UInt8>, offset: Int, now: Int64) -> Int? {
        guard value.count >= offset + 8, offset == 0 || value[0] == 0 else { return nil }
        var timestamp: Int64 = 0
        for i in offset..<(offset + 8) { timestamp = timestamp << 8 | Int64(value[i]) }
        let (age, overflow) = now.subtractingReportingOverflow(timestamp)
        guard !overflow, age >= 0 else { return 0 }
        return bounds.lastIndex { $0 <= age }! + 1
    }

    /// The report's buckets from the tally's counts.
    static func buckets(entries: [Int64], bytes: [Int64]) -> [SizeReport.AgeBucket] {
        labels.indices.map { i in
            SizeReport.AgeBucket(label: labels[i], fromMillis: i == 0 ? nil : bounds[i - 1],
                                 toMillis: i == 0 ? 0 : i < bounds.count ? bounds[i] : nil,
                                 entries: entries[i], bytes: bytes[i])
        }
    }
}
