import Foundation

/// What `savepoint convert` produces.
public struct ConvertOptions: Sendable {
    /// The physical form of the output.
    public enum Target: String, Sendable, CaseIterable, Codable {
        /// Everything inline in `_metadata` (JobManager checkpoint storage).
        case memory
        /// Canonical streams in files beside `_metadata`, small ones inlined.
        case filesystem
        /// RocksDB native files (SST, MANIFEST, CURRENT, OPTIONS): restores only on RocksDB.
        case lsm

        /// A target by its name or by Flink's words for it: `jobmanager` (the storage that keeps
        /// state in `_metadata`), `canonical` (`SavepointFormatType.CANONICAL` in files),
        /// `rocksdb` and `native` (RocksDB's own files).
        public init?(name: String) {
            switch name.lowercased() {
            case "memory", "jobmanager", "memory-snapshot": self = .memory
            case "filesystem", "canonical": self = .filesystem
            case "lsm", "rocksdb", "native": self = .lsm
            default: return nil
            }
        }
    }

    /// Block compression of the SST files written for the LSM form.
    public enum TableCompression: String, Sendable, CaseIterable, Codable {
        case none, snappy, lz4, zstd
    }

    public var target: Target
    public var tableCompression: TableCompression
    /// Snapshot (Snappy-framed) compression of canonical keyed streams; nil keeps the input's.
    public var snapshotCompression: Bool?
    /// Streams below this many bytes go inline into `_metadata`; nil: Flink's default (20 KiB),
    /// or everything for the memory form.
    public var inlineThreshold: Int?
    /// Replace an existing output directory.
    public var force: Bool
    /// Remove the output's temporary directory and exit on SIGINT/SIGTERM (the command line sets it).
    public var handleSignals: Bool
    /// Keep going past damage (`--skip-corrupt`): write what reads, report what was skipped.
    public var skipCorrupt = false
    /// Test hook: pause this long after each subtask (makes a conversion slow enough to interrupt).
    public var pauseAfterEachSubtask: TimeInterval?
    /// Test hook: called with the written (temporary) directory before verification, e.g. to corrupt it.
    public var beforeVerification: (@Sendable (URL) throws -> Void)?

    public init(target: Target, tableCompression: TableCompression = .snappy, snapshotCompression: Bool? = nil,
                inlineThreshold: Int? = nil, force: Bool = false, handleSignals: Bool = false) {
        self.target = target
        self.tableCompression = tableCompression
        self.snapshotCompression = snapshotCompression
        self.inlineThreshold = inlineThreshold
        self.force = force
        self.handleSignals = handleSignals
    }

    /// The threshold the placement uses.
    var effectiveInlineThreshold: Int {
        if target == .memory { return Int.max }
        return inlineThreshold ?? StreamPlacement.flinkDefaultInlineThreshold
    }

    /// `JobManagerCheckpointStorage`'s default maximum state size per stream (5 MiB).
    public static let jobManagerMaxStateSize = 5 * 1024 * 1024
}

/// What a conversion did, for the text and JSON output.
public struct ConvertReport: Codable, Sendable {
    /// The input savepoint as the user named it (every report calls its input `path`).
    public var path: String
    public var output: String
    public var inputForm: String
    /// What wrote the input, and what the output is, in Flink's words.
    public var inputOrigin: SnapshotOrigin?
    public var outputOrigin: SnapshotOrigin?
    public var target: ConvertOptions.Target
    public var operators: Int
    public var subtasks: Int
    public var keyedEntries: Int64
    /// Per state name: entry count, equal in input and output (verified).
    public var entriesPerState: [String: Int64]
    public var filesWritten: Int
    public var bytesWritten: Int64
    public var metadataSize: Int
    public var verified: Bool
    /// Wall time, rounded to the millisecond.
    public var seconds: Double
    public var warnings: [String]
    /// What `--skip-corrupt` left out (nil without it).
    public var skipped: [SkippedRange]?
}

/// Why a conversion stopped.
public enum ConvertError: Error, CustomStringConvertible {
    case outputExists(String)
    /// The output read back differs from the input; the output was removed.
    case verificationFailed(String)
    case sameDirectory(String)
    /// `--force` would delete something that is not a savepoint.
    case notReplaceable(String, String)

    public var description: String {
        switch self {
        case let .outputExists(p): return "\(p) already exists (use --force to replace it)"
        case let .verificationFailed(m): return "verification failed, output removed: \(m)"
        case let .sameDirectory(p): return "\(p): the output must not be the input or inside it"
        case let .notReplaceable(p, why): return "\(p): --force replaces only a savepoint or an empty directory, and \(why)"
        }
    }
}
