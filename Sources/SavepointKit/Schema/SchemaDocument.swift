import CanonicalFormat
import FlinkSerialization
import SavepointMetadata

/// The schema document (`savepoint schema show --json`, read by `schema check --against`): per
/// operator its key type and per state its kind, type and namespace, each type one string in the
/// notation `inspect` prints. Version 1:
///
///     {"schemaDocument": 1, "operators": [{"uid": "counter", "operatorId": "0da0…", "key": "String",
///       "states": [{"name": "count", "kind": "value", "type": "Long", "namespace": "VoidNamespace"}]}]}
///
/// `uid` and `key` are null when the savepoint does not record them (a Flink 1.x savepoint's uids,
/// an operator without keyed state); `namespace` is left out for timers and operator state. Kinds
/// are `inspect`'s: value, list, map, reducing, aggregating, timer, operator-list, operator-union,
/// broadcast (and unknown). An operator in a hand-written target may give `uid` without
/// `operatorId` (the id is the uid's hash, as Flink computes it). `flinkVersion` (`1.x`, `2.x`) says
/// what wrote the savepoint shown; a target may leave it out.
public struct SchemaDocument: Sendable, Equatable {
    public static let version = 1
    public var operators: [Operator]
    /// `1.x` or `2.x`: what wrote the savepoint (nil for a document read from a file).
    public var flinkVersion: String?

    public struct Operator: Sendable, Equatable {
        public var uid: String?
        public var operatorId: String
        public var key: SchemaType?
        public var states: [State]
    }

    public struct State: Sendable, Equatable {
        public var name: String
        public var kind: String
        public var type: SchemaType
        public var namespace: SchemaType?
    }

    /// `unknown`: a keyed state whose `KEYED_STATE_TYPE` the toolkit does not know (shown, so read back).
    public static let kinds = ["value", "list", "map", "reducing", "aggregating", "timer", "operator-list",
                               "operator-union", "broadcast", "unknown"]
}

extension SchemaDocument {
    /// The schema of a savepoint, from its headers only (no state data read).
    public init(_ savepoint: Savepoint) throws {
        flinkVersion = savepoint.metadata.version >= 5 ? "2.x" : "1.x"
        operators = try savepoint.metadata.operatorStates.map { op in
            let present = op.subtaskStates.compactMap(\.state)
            var key: SchemaType?
            var states: [State] = []
            if let keyed = present.lazy.compactMap(\.managedKeyedState).first {
                let header = try KeyedStateHeader.read(keyed, of: op, in: savepoint)
                key = SchemaType(header.proxy.keySerializer)
                states = header.proxy.states.map { meta in
                    State(name: meta.name, kind: KeyedStateKind(metaInfo: meta).rawValue,
                          type: meta.valueSerializer.map(SchemaType.init) ?? .unknown,
                          namespace: meta.namespaceSerializer.map(SchemaType.init))
                }
            }
            // Operator state as `inspect` shows it (a broadcast state as `Map<K, V>`): its notation
            // always reads back.
            for s in try OperatorStateHeaders.states(of: present, in: savepoint) {
                states.append(State(name: s.name, kind: s.kind,
                                    type: try s.valueType.map(SchemaTypeParser.parse) ?? .unknown, namespace: nil))
            }
            let uid = op.uid.flatMap { $0.isEmpty ? nil : $0 }
            return Operator(uid: uid, operatorId: op.operatorID.hex, key: key, states: states)
        }
    }

    /// The document as JSON, in the one style of every report.
    public func json() throws -> [UInt8] { try ReportJSON.encode(Encoded(self)) }

    struct Encoded: Encodable {
        var schemaDocument = SchemaDocument.version
        var flinkVersion: String?
        var operators: [EncodedOperator]

        init(_ d: SchemaDocument) {
            flinkVersion = d.flinkVersion
            operators = d.operators.map { op in
                EncodedOperator(uid: op.uid, operatorId: op.operatorId, key: op.key?.rendered,
                                states: op.states.map {
                                    EncodedState(name: $0.name, kind: $0.kind, type: $0.type.rendered,
                                                 namespace: $0.namespace?.rendered)
                                })
            }
        }

        enum CodingKeys: String, CodingKey { case schemaDocument, flinkVersion, operators }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(schemaDocument, forKey: .schemaDocument)
            try c.encodeIfPresent(flinkVersion, forKey: .flinkVersion)
            try c.encode(operators, forKey: .operators)
        }
    }

    struct EncodedOperator: Encodable {
        var uid: String?
        var operatorId: String
        var key: String?
        var states: [EncodedState]

        enum CodingKeys: String, CodingKey { case uid, operatorId, key, states }

        /// `uid` and `key` are written as null rather than left out: the document names every field.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(uid, forKey: .uid)
            try c.encode(operatorId, forKey: .operatorId)
            try c.encode(key, forKey: .key)
            try c.encode(states, forKey: .states)
        }
    }

    struct EncodedState: Encodable {
        var name: String
        var kind: String
        var type: String
        var namespace: String?
    }
}
