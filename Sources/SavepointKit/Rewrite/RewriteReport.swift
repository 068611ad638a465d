import Foundation

/// What a rewrite did (or, for `--dry-run`, would do), for the text and JSON output.
public struct RewriteReport: Codable, Sendable {
    /// One operator the plan touches.
    public struct OperatorChangeReport: Codable, Sendable {
        /// The operator as the input names it: its uid, else its id in hex.
        public var `operator`: String
        public var operatorId: String
        /// The operations on it, as their command-line options.
        public var operations: [String]
        public var removed: Bool
        public var newOperatorId: String?
        public var newUid: String?
        /// Keyed states renamed, old name to new name.
        public var renamedStates: [String: String]
        /// Whether the new uid is written into `_metadata` (version 5 and later; Flink matches by id).
        public var uidStored: Bool
        /// Its keyed and operator state names, which go with it (or leave with it).
        public var states: [String]
        public var subtasks: Int
        /// Whether it has operator coordinator state (a FLIP-27 source's split assignment), which
        /// moves with it.
        public var coordinatorState: Bool
    }

    /// The input savepoint as the user named it (every report calls its input `path`).
    public var path: String
    public var output: String
    public var dryRun: Bool
    /// The operations, in the plan file's format (a dry run's report is a plan to review).
    public var plan: RewritePlan
    public var operators: [OperatorChangeReport]
    /// Operators in the output.
    public var operatorsWritten: Int
    /// State files copied byte for byte (or to be copied, in a dry run), and their bytes.
    public var filesCopied: Int
    /// Their names in the output directory (as in the input for a savepoint's relative files).
    public var files: [String]
    public var bytesCopied: Int64
    public var metadataSize: Int
    /// The output was read back: files byte-identical, `_metadata` as planned, quick validation clean.
    public var verified: Bool
    public var seconds: Double
}
