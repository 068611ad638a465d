import Bytes
import SavepointMetadata

/// What `dump --skip-corrupt` and `convert --skip-corrupt` could not read, in the unit a Flink
/// operator thinks in: the key groups of a keyed state handle (or of one state, in the LSM form,
/// where each state has its own column family), or the operator-state partitions of a subtask.
public struct SkippedRange: Codable, Sendable, Equatable {
    /// The operator's uid, else its id in hex.
    public var `operator`: String
    public var subtask: Int
    /// The state, when the damage concerns one state (an LSM column family); nil: all of them.
    public var state: String?
    public var file: String
    /// The key groups lost (both ends included); nil for operator state and for a file that
    /// held no entries (an LSM instance's OPTIONS).
    public var keyGroups: KeyGroups?
    /// Operator state: the names of the partitions lost.
    public var partitions: [String]?
    /// Where the damage starts, when known (a key group's block, an SST data block).
    public var byteOffset: Int?
    /// Why, in one line.
    public var reason: String

    public struct KeyGroups: Codable, Sendable, Equatable {
        public var first: Int
        public var last: Int

        public init(first: Int, last: Int) {
            (self.first, self.last) = (first, last)
        }
    }

    public init(operator: String, subtask: Int, state: String? = nil, file: String, keyGroups: KeyGroups? = nil,
                partitions: [String]? = nil, byteOffset: Int? = nil, reason: String) {
        self.operator = `operator`
        self.subtask = subtask
        self.state = state
        self.file = file
        self.keyGroups = keyGroups
        self.partitions = partitions
        self.byteOffset = byteOffset
        self.reason = reason
    }

    /// `<file> key groups 12-19 of state S of operator O subtask 0: <why>`.
    public var line: String {
        var what = ""
        if let k = keyGroups {
            what = k.first == k.last ? " key group \(k.first)" : " key groups \(k.first)-\(k.last)"
        } else if let partitions {
            what = " operator state (\(partitions.joined(separator: ", ")))"
        }
        if let state { what += " of state \(state)" }
        return "\(file)\(what) of operator \(self.operator) subtask \(subtask): \(reason)"
    }

    /// Whether `next` continues this range: the same place and the key groups right after it.
    func isContinued(by next: SkippedRange) -> Bool {
        guard let a = keyGroups, let b = next.keyGroups else { return false }
        return self.operator == next.operator && subtask == next.subtask && state == next.state && file == next.file
            && b.first == a.last + 1
    }
}

extension SkippedRange {
    /// The file an error names (a missing file, a format error's file), else `fallback`.
    static func file(of error: any Error, fallback: String) -> String {
        switch error {
        case let SavepointError.format(e): return e.file ?? fallback
        case let SavepointError.missingFile(path, _, _), let SavepointError.unreadable(path, _): return path
        case let e as FormatError: return e.file ?? fallback
        default: return fallback
        }
    }

    /// The error in one line, without the file and offset the range already names.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let SavepointError.format(e): return e.message
        case let e as FormatError: return e.message
        case SavepointError.missingFile: return "missing file"
        case let SavepointError.unreadable(_, reason): return "cannot read: \(reason)"
        case let e as SavepointError: return e.description
        default: return "\(error)"
        }
    }
}
