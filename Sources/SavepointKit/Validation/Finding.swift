/// One problem `validate` found: how bad it is, a stable code for scripts, where it is, and a
/// one-line explanation in the words of someone who runs Flink jobs.
public struct Finding: Sendable, Equatable, Codable {
    public enum Severity: String, Sendable, Codable, Comparable {
        /// Flink would fail to restore, or would restore wrong or lost state.
        case error
        /// Unusual but restorable (or not checkable by this version).
        case warning

        public static func < (a: Severity, b: Severity) -> Bool { a == .error && b == .warning }
    }

    public var severity: Severity
    /// Stable across versions (`missing-file`, `key-group-gap`, …); see `FindingCode`.
    public var code: FindingCode
    public var message: String
    public var location: FindingLocation
    /// Set on the last listed finding of a check that hit its cap: how many more of the same kind
    /// were found but not listed.
    public var similarNotListed: Int?

    public init(_ severity: Severity, _ code: FindingCode, _ message: String, at location: FindingLocation) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
    }
}

/// Where a finding is: as much of operator, state, subtask, key group, file and byte offset as is known.
public struct FindingLocation: Sendable, Equatable, Hashable, Codable {
    /// The operator's uid when `_metadata` stores one (metadata version 5+).
    public var operatorUid: String?
    /// The operator id in hex, as Flink prints it.
    public var operatorId: String?
    public var state: String?
    public var subtask: Int?
    public var keyGroup: Int?
    public var file: String?
    /// Byte offset in `file` (or in the decompressed block of `keyGroup` for compressed streams).
    public var offset: Int?

    public init(operatorUid: String? = nil, operatorId: String? = nil, state: String? = nil, subtask: Int? = nil,
                keyGroup: Int? = nil, file: String? = nil, offset: Int? = nil) {
        self.operatorUid = operatorUid
        self.operatorId = operatorId
        self.state = state
        self.subtask = subtask
        self.keyGroup = keyGroup
        self.file = file
        self.offset = offset
    }
}
