/// What `validate` found and how much it looked at. Encoded as JSON it is the stable document of
/// `savepoint validate --json`: `{"path", "valid", "deep", "errors", "warnings", "findings", "checked"}`.
public struct ValidationReport: Sendable, Codable {
    /// How much was checked, so "valid" can be read as "valid, having looked at this much".
    public struct Checked: Sendable, Equatable, Codable {
        public var operators = 0
        public var subtasks = 0
        public var keyedStateHandles = 0
        public var operatorStateHandles = 0
        /// Distinct files on disk (inline streams are not files).
        public var files = 0
        public var fileBytes: Int64 = 0
        public var inlineStreams = 0
        /// Deep only: key-group blocks (or LSM instances' states) read.
        public var keyGroups = 0
        public var keyedEntries = 0
        /// Deep only: keys whose key group was recomputed from their Java hashCode (once per run of
        /// entries with the same key, as map and list entries repeat it).
        public var keysHashChecked = 0
        public var operatorStateElements = 0
        public init() {}
    }

    /// The savepoint as the user named it (every report calls its input `path`).
    public var path: String
    public var deep: Bool
    public var findings: [Finding]
    public var checked: Checked

    /// No error-level findings (warnings allowed).
    public var valid: Bool { errors == 0 }
    /// Error-level findings, counting those not listed.
    public var errors: Int { count(.error) }
    public var warnings: Int { count(.warning) }

    func count(_ severity: Finding.Severity) -> Int {
        findings.filter { $0.severity == severity }.reduce(0) { $0 + 1 + ($1.similarNotListed ?? 0) }
    }

    public init(path: String, deep: Bool, findings: [Finding], checked: Checked) {
        self.path = path
        self.deep = deep
        self.findings = findings
        self.checked = checked
    }

    enum CodingKeys: String, CodingKey {
        case path, valid, deep, errors, warnings, findings, checked
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encode(valid, forKey: .valid)
        try c.encode(deep, forKey: .deep)
        try c.encode(errors, forKey: .errors)
        try c.encode(warnings, forKey: .warnings)
        try c.encode(findings, forKey: .findings)
        try c.encode(checked, forKey: .checked)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        deep = try c.decode(Bool.self, forKey: .deep)
        findings = try c.decode([Finding].self, forKey: .findings)
        checked = try c.decode(Checked.self, forKey: .checked)
    }
}

extension ValidationReport {
    /// The report for a savepoint that does not open at all: one error finding naming the file,
    /// the byte offset where known, and why.
    public static func unreadable(path: String, deep: Bool, error: any Error) -> ValidationReport {
        let (file, offset, message) = FindingErrors.describe(error)
        let finding = Finding(.error, .unreadableSavepoint, message, at: FindingLocation(file: file ?? path, offset: offset))
        return ValidationReport(path: path, deep: deep, findings: [finding], checked: Checked())
    }
}
