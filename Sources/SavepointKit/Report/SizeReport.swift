import Foundation

/// What `report` prints: where a savepoint's bytes are, and which keys make its state big. Its
/// numbers add up: `totalBytes` is `_metadata` plus every referenced file as it is on disk (the
/// files `inspect` lists), `totalBytes == metadataBytes + Σ operators.bytes`, an operator's bytes
/// are its coordinator's plus its subtasks', and a subtask's are its keyed, operator and channel
/// state's. Per state, the bytes are the entries' canonical keys and values (what a dump decodes:
/// independent of compression and of the form).
public struct SizeReport: Codable, Sendable {
    public var path: String
    public var form: String
    /// `--subtasks I-J`: the shard this report covers (`SubtaskShard`); absent for the whole.
    public var subtasks: String?
    public var totalBytes: Int64
    public var metadataBytes: Int64
    /// How many largest entries are listed per state (`--top`).
    public var top: Int
    public var operators: [Operator]
    /// The time TTL ages are measured from (`--now`, default the clock), in epoch milliseconds;
    /// absent when no state has TTL values.
    public var ttlNow: Int64?
    /// Referenced files that are missing or unreadable: they count 0 bytes.
    public var missingFiles: [String]
    /// State nothing restores or reads: unreferenced files, column families without a state,
    /// tables the MANIFEST does not list, states without entries (`Orphan` says which is which).
    public var orphans: [Orphan]

    public struct Operator: Codable, Sendable {
        public var uid: String?
        public var name: String?
        public var operatorId: String
        public var parallelism: Int
        public var maxParallelism: Int
        public var bytes: Int64
        public var coordinatorBytes: Int64
        public var subtasks: [Subtask]
        public var states: [State]
        /// LSM (RocksDB native) keyed state: each column family summed over the subtasks, with its
        /// live entries (`inspect --deep`'s numbers).
        public var columnFamilies: [InspectReport.ColumnFamily]?
        /// Entry bytes (keys and values of every state) per key group, `[0, maxParallelism)`;
        /// empty without keyed state.
        public var keyGroupBytes: [Int64]
        /// This operator's column families without a state and tables no MANIFEST lists (also in
        /// the report's `orphans`); not encoded.
        var orphans: [Orphan] = []

        enum CodingKeys: String, CodingKey {
            case uid, name, operatorId, parallelism, maxParallelism, bytes, coordinatorBytes, subtasks, states,
                 columnFamilies, keyGroupBytes
        }
    }

    public struct Subtask: Codable, Sendable {
        public var index: Int
        /// keyedBytes + operatorBytes + channelBytes.
        public var bytes: Int64
        public var keyedBytes: Int64
        public var operatorBytes: Int64
        public var channelBytes: Int64
        public var keyGroups: InspectReport.KeyGroups?
        /// Canonical keyed streams: the bytes before the first key group (the serialization
        /// proxy, the states' meta information) …
        public var keyedHeaderBytes: Int64?
        /// … and each key group's stored bytes, from the handle's key-group offsets, in key-group
        /// order from `keyGroups.start`; `keyedHeaderBytes + Σ keyGroupBytes == keyedBytes`.
        public var keyGroupBytes: [Int64]?
        /// LSM keyed state: each file of the RocksDB instance (SST tables, MANIFEST, OPTIONS, the
        /// meta data stream) and its bytes; those not `inMetadata` sum to `keyedBytes`.
        public var keyedFiles: [Part]?
    }

    public struct Part: Codable, Sendable {
        public var name: String
        public var bytes: Int64
        /// Small files Flink inlines in `_metadata` (below `state.storage.fs.memory-threshold`):
        /// their bytes are part of `metadataBytes`, not of the subtask's.
        public var inMetadata: Bool
    }

    public struct State: Codable, Sendable {
        public var name: String
        public var kind: String
        public var entries: Int64
        public var keyBytes: Int64
        public var valueBytes: Int64
        /// keyBytes + valueBytes.
        public var bytes: Int64
        /// Bytes per key group over every key group of the operator (empty ones count 0).
        public var keyGroupSkew: Skew
        /// Bytes per subtask.
        public var subtaskSkew: Skew
        /// Bytes per subtask, by subtask index.
        public var subtaskBytes: [Int64]
        /// The largest entries (key plus value), largest first.
        public var largest: [Entry]
        /// List values within a factor of two of RocksDB's merge limit (2^31 bytes of one merged
        /// value): a few more elements and RocksDB can no longer restore the list.
        public var nearMergeLimit: [Entry]
        /// TTL value and map states: entries and bytes by the age of their last access at
        /// `ttlNow` (`TTLAges`); absent for other states. The buckets' entries sum to `entries`
        /// less those holding no timestamp.
        public var ttlAge: [AgeBucket]?
    }

    /// Entries last accessed between `fromMillis` (inclusive) and `toMillis` (exclusive)
    /// milliseconds before `ttlNow`; `fromMillis` absent: accessed after it, `toMillis` absent: no bound.
    public struct AgeBucket: Codable, Sendable, Equatable {
        public var label: String
        public var fromMillis: Int64?
        public var toMillis: Int64?
        public var entries: Int64
        public var bytes: Int64
    }

    /// Minimum, median and maximum of a set of byte counts.
    public struct Skew: Codable, Sendable, Equatable {
        public var count: Int
        public var min: Int64
        public var median: Int64
        public var max: Int64
    }

    /// One entry, identified as a dump line identifies it (`key`, `namespace`, `userKey` as dump
    /// renders them).
    public struct Entry: Codable, Sendable {
        public var keyGroup: Int
        public var keyBytes: Int64
        public var valueBytes: Int64
        public var bytes: Int64
        public var key: RenderedJSON?
        public var namespace: RenderedJSON?
        public var userKey: RenderedJSON?
    }
}

extension SizeReport.Skew {
    init(_ values: [Int64]) {
        let sorted = values.sorted()
        count = sorted.count
        min = sorted.first ?? 0
        max = sorted.last ?? 0
        median = sorted.isEmpty ? 0 : sorted[(sorted.count - 1) / 2]
    }
}

/// A JSON value as the dump rendered it, carried into a report unchanged.
public struct RenderedJSON: Codable, Sendable, Equatable {
    public var value: JSONValue

    public init(_ value: JSONValue) { self.value = value }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        switch value {
        case let .object(fields):
            var c = encoder.container(keyedBy: Key.self)
            for (k, v) in fields { try c.encode(RenderedJSON(v), forKey: Key(stringValue: k)) }
        case let .array(items):
            var c = encoder.unkeyedContainer()
            for v in items { try c.encode(RenderedJSON(v)) }
        default:
            var c = encoder.singleValueContainer()
            switch value {
            case .null: try c.encodeNil()
            case let .bool(b): try c.encode(b)
            case let .integer(n): try c.encode(n)
            case let .number(d): try c.encode(d)
            case let .string(s): try c.encode(s)
            default: break
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        if let c = try? decoder.container(keyedBy: Key.self) {
            var fields: [String: JSONValue] = [:]
            for k in c.allKeys { fields[k.stringValue] = try c.decode(RenderedJSON.self, forKey: k).value }
            value = .object(fields)
        } else if var c = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !c.isAtEnd { items.append(try c.decode(RenderedJSON.self).value) }
            value = .array(items)
        } else {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { value = .null }
            else if let b = try? c.decode(Bool.self) { value = .bool(b) }
            else if let n = try? c.decode(Int64.self) { value = .integer(n) }
            else if let d = try? c.decode(Double.self) { value = .number(d) }
            else { value = .string(try c.decode(String.self)) }
        }
    }
}
