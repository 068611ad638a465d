import SavepointMetadata

/// The plan file format (see `RewritePlan`): every decoding problem is a `PlanFormatError` naming
/// where in the file it is (`operations[1].to`), never a Foundation coding path.
extension RewritePlan: Codable {
    enum CodingKeys: String, CodingKey { case version, operations }

    static let builtOperations = ["set-uid", "set-operator-id", "remove-operator", "rename-state", "drop-state",
                                  "delete-keys", "keep-keys", "purge-expired-ttl", "max-parallelism", "upsert"]

    public init(from decoder: any Decoder) throws {
        let c: KeyedDecodingContainer<CodingKeys>
        do { c = try decoder.container(keyedBy: CodingKeys.self) } catch {
            throw PlanFormatError(message: "the file must hold one JSON object {\"version\": 1, \"operations\": [...]}")
        }
        let version = try PlanField.decode(Int.self, c, .version, at: "version", expected: "a number")
        guard version == Self.formatVersion else {
            throw PlanFormatError(message: "version \(version) is not a plan version this savepoint reads (\(Self.formatVersion))")
        }
        var list: UnkeyedDecodingContainer
        do { list = try c.nestedUnkeyedContainer(forKey: .operations) } catch {
            throw PlanFormatError(message: "operations must be a list of operations")
        }
        var operations: [Operation] = []
        while !list.isAtEnd {
            let at = "operations[\(operations.count)]"
            let entry: KeyedDecodingContainer<Operation.CodingKeys>
            do { entry = try list.nestedContainer(keyedBy: Operation.CodingKeys.self) } catch {
                throw PlanFormatError(message: "\(at) must be an object {\"operation\": ..., \"operator\": ...}")
            }
            operations.append(try Operation(entry, at: at))
        }
        self.init(operations: operations)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.formatVersion, forKey: .version)
        try c.encode(operations, forKey: .operations)
    }
}

extension RewritePlan.Operation: Codable {
    enum CodingKeys: String, CodingKey { case operation, `operator`, state, to, file, ttl }

    public var name: String {
        switch self {
        case .setUid: "set-uid"
        case .setOperatorID: "set-operator-id"
        case .removeOperator: "remove-operator"
        case .renameState: "rename-state"
        case .dropState: "drop-state"
        case .deleteKeys: "delete-keys"
        case .keepKeys: "keep-keys"
        case .purgeExpiredTTL: "purge-expired-ttl"
        case .setMaxParallelism: "max-parallelism"
        case .upsert: "upsert"
        }
    }

    init(_ c: KeyedDecodingContainer<CodingKeys>, at: String) throws {
        let name = try PlanField.decode(String.self, c, .operation, at: at + ".operation", expected: "a string")
        guard RewritePlan.builtOperations.contains(name) else {
            throw PlanFormatError(message: "\(at): no operation \(name); the operations are "
                + RewritePlan.builtOperations.joined(separator: ", "))
        }
        if name == "purge-expired-ttl" {
            self = try Self.purge(c, at: at)
            return
        }
        if name == "max-parallelism" {
            // The operator is optional here: without it, every operator's.
            let op = c.contains(.operator)
                ? try PlanField.decode(String.self, c, .operator, at: at + ".operator", expected: "a uid or an operator id") : nil
            if op?.isEmpty == true { throw PlanFormatError(message: "\(at).operator is empty") }
            let n = try PlanField.decode(Int.self, c, .to, at: at + ".to", expected: "a number (the new max parallelism)")
            self = .setMaxParallelism(operator: op, to: n)
            return
        }
        if name == "upsert" {
            // The lines of the file name their operators.
            let file = try PlanField.decode(String.self, c, .file, at: at + ".file", expected: "a file of dump lines")
            guard !file.isEmpty else { throw PlanFormatError(message: "\(at).file is empty") }
            self = .upsert(file: file)
            return
        }
        let op = try PlanField.decode(String.self, c, .operator, at: at + ".operator", expected: "a uid or an operator id")
        guard !op.isEmpty else { throw PlanFormatError(message: "\(at).operator is empty") }
        if name == "remove-operator" {
            self = .removeOperator(operator: op)
            return
        }
        if name == "delete-keys" || name == "keep-keys" {
            let file = try PlanField.decode(String.self, c, .file, at: at + ".file", expected: "a file of keys")
            guard !file.isEmpty else { throw PlanFormatError(message: "\(at).file is empty") }
            self = name == "delete-keys" ? .deleteKeys(operator: op, file: file) : .keepKeys(operator: op, file: file)
            return
        }
        if name == "drop-state" {
            self = .dropState(operator: op, state: try Self.state(c, at: at))
            return
        }
        let to = try PlanField.decode(String.self, c, .to, at: at + ".to", expected: "a string")
        guard !to.isEmpty else { throw PlanFormatError(message: "\(at).to is empty") }
        if name == "set-uid" {
            self = .setUid(operator: op, uid: to)
        } else if name == "rename-state" {
            self = .renameState(operator: op, state: try Self.state(c, at: at), to: to)
        } else {
            guard let id = OperatorID(hex: to) else {
                throw PlanFormatError(message: "\(at).to: \(to) is not an operator id (32 hex digits)")
            }
            self = .setOperatorID(operator: op, id: id)
        }
    }

    /// `purge-expired-ttl`: `ttl`, and `operator` with `state` or neither (every TTL state).
    static func purge(_ c: KeyedDecodingContainer<CodingKeys>, at: String) throws -> Self {
        let ttl = try PlanField.decode(String.self, c, .ttl, at: at + ".ttl", expected: "a duration such as \"36h\"")
        do { _ = try TTLPurgeStage.duration(ttl, option: "ttl") } catch {
            throw PlanFormatError(message: "\(at).ttl: \(ttl) is not a duration (a number and ms, s, min, h or d)")
        }
        guard c.contains(.operator) || c.contains(.state) else { return .purgeExpiredTTL(operator: nil, state: nil, ttl: ttl) }
        let op = try PlanField.decode(String.self, c, .operator, at: at + ".operator", expected: "a uid or an operator id")
        return .purgeExpiredTTL(operator: op, state: try state(c, at: at), ttl: ttl)
    }

    static func state(_ c: KeyedDecodingContainer<CodingKeys>, at: String) throws -> String {
        let state = try PlanField.decode(String.self, c, .state, at: at + ".state", expected: "a state name")
        guard !state.isEmpty else { throw PlanFormatError(message: "\(at).state is empty") }
        return state
    }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.container(keyedBy: CodingKeys.self), at: "operation")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .operation)
        if case let .purgeExpiredTTL(op, state, ttl) = self {
            try c.encodeIfPresent(op, forKey: .operator)
            try c.encodeIfPresent(state, forKey: .state)
            try c.encode(ttl, forKey: .ttl)
            return
        }
        try c.encodeIfPresent(operatorSelector, forKey: .operator)
        switch self {
        case let .setUid(_, uid): try c.encode(uid, forKey: .to)
        case let .setOperatorID(_, id): try c.encode(id.hex, forKey: .to)
        case .removeOperator: break
        case let .renameState(_, state, to):
            try c.encode(state, forKey: .state)
            try c.encode(to, forKey: .to)
        case let .dropState(_, state):
            try c.encode(state, forKey: .state)
        case let .deleteKeys(_, file), let .keepKeys(_, file), let .upsert(file):
            try c.encode(file, forKey: .file)
        case .purgeExpiredTTL: break
        case let .setMaxParallelism(_, n):
            try c.encode(n, forKey: .to)
        }
    }
}

/// One required field of the plan file, or a `PlanFormatError` naming it.
enum PlanField {
    static func decode<T: Decodable, K: CodingKey>(_ type: T.Type, _ c: KeyedDecodingContainer<K>, _ key: K,
                                                   at path: String, expected: String) throws -> T {
        guard c.contains(key) else { throw PlanFormatError(message: "\(path) is missing") }
        do { return try c.decode(T.self, forKey: key) } catch {
            throw PlanFormatError(message: "\(path) must be \(expected)")
        }
    }
}
