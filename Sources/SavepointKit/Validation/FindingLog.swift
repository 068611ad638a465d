/// Collects findings, listing at most `limitPerCheck` of one kind per operator and state: a
/// damaged stream can produce a finding per entry, and the first few say all there is to say.
struct FindingLog {
    let limitPerCheck: Int
    private(set) var findings: [Finding] = []
    /// Index in `findings` of the last listed finding of each kind, and how many were seen.
    private var groups: [GroupKey: (lastIndex: Int, seen: Int)] = [:]

    struct GroupKey: Hashable {
        var code: FindingCode
        var operatorId: String?
        var state: String?
    }

    init(limitPerCheck: Int) {
        self.limitPerCheck = max(1, limitPerCheck)
    }

    mutating func add(_ finding: Finding) {
        let key = GroupKey(code: finding.code, operatorId: finding.location.operatorId, state: finding.location.state)
        guard var group = groups[key] else {
            findings.append(finding)
            groups[key] = (findings.count - 1, 1)
            return
        }
        group.seen += 1
        if group.seen <= limitPerCheck {
            findings.append(finding)
            group.lastIndex = findings.count - 1
        } else {
            findings[group.lastIndex].similarNotListed = group.seen - limitPerCheck
        }
        groups[key] = group
    }

    mutating func error(_ code: FindingCode, _ message: String, at location: FindingLocation) {
        add(Finding(.error, code, message, at: location))
    }

    mutating func warning(_ code: FindingCode, _ message: String, at location: FindingLocation) {
        add(Finding(.warning, code, message, at: location))
    }
}
