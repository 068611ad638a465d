/// Collects findings, listing at most `limitPerCheck` of one kind per operator and state: a
/// damaged stream can produce a finding per entry, and the first few say all there is to say.
struct FindingLog {
    let limitPerCheck: Int
    /// Findings located outside this shard (`--subtasks`) are another run's: not listed, not counted.
    let shard: SubtaskShard?
    private(set) var findings: [Finding] = []
    /// Index in `findings` of the last listed finding of each kind, and how many were seen.
    private var groups: [GroupKey: (lastIndex: Int, seen: Int)] = [:]

    struct GroupKey: Hashable {
        var code: FindingCode
        var operatorId: String?
        var state: String?
    }

    init(limitPerCheck: Int, shard: SubtaskShard? = nil) {
        self.limitPerCheck = max(1, limitPerCheck)
        self.shard = shard
    }

    mutating func add(_ finding: Finding) {
        add(finding, alsoUnlisted: 0)
    }

    /// Adds `finding`, then counts `alsoUnlisted` more of its kind that came after it.
    private mutating func add(_ finding: Finding, alsoUnlisted: Int) {
        if let shard, !shard.holds(finding.location.subtask) { return }
        let key = GroupKey(code: finding.code, operatorId: finding.location.operatorId, state: finding.location.state)
        var group = groups[key] ?? (lastIndex: -1, seen: 0)
        group.seen += 1
        if group.seen <= limitPerCheck {
            findings.append(finding)
            group.lastIndex = findings.count - 1
        }
        group.seen += alsoUnlisted
        if group.seen > limitPerCheck {
            findings[group.lastIndex].similarNotListed = group.seen - limitPerCheck
        }
        groups[key] = group
    }

    /// Adds the findings of a log that collected what came next (a part of the checks run on its
    /// own), as if they had been added here one by one: the same list, the same caps and counts.
    /// A finding that carries a count of unlisted ones is the last listed of its kind there, so
    /// the unlisted ones came after it.
    mutating func append(_ later: FindingLog) {
        for var finding in later.findings {
            let unlisted = finding.similarNotListed ?? 0
            finding.similarNotListed = nil
            add(finding, alsoUnlisted: unlisted)
        }
    }

    mutating func error(_ code: FindingCode, _ message: String, at location: FindingLocation) {
        add(Finding(.error, code, message, at: location))
    }

    mutating func warning(_ code: FindingCode, _ message: String, at location: FindingLocation) {
        add(Finding(.warning, code, message, at: location))
    }
}
