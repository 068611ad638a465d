import CanonicalFormat
import FlinkSerialization

/// Builds one line of dump schema v1 straight into the output buffer.
enum DumpLine {
    static func keyed(_ e: KeyedStateEntry, schema: KeyedStateSchema, operatorName: String, into out: inout [UInt8]) {
        header(operatorName: operatorName, state: schema.metaInfo.name, kind: schema.kind.rawValue, into: &out)
        field("key", e.key, into: &out)
        field("namespace", e.namespace, into: &out)
        if let userKey = e.userKey { field("userKey", userKey, into: &out) }
        let (value, ttl) = unwrapTTL(e.value)
        field("value", value, into: &out)
        if let ttl { append(",\"ttlTimestamp\":\(ttl)", to: &out) }
        out.append(UInt8(ascii: "}"))
    }

    static func operatorElement(_ e: OperatorStateElement, operatorName: String, subtask: Int, into out: inout [UInt8]) {
        let kind: String
        switch e.mode {
        case .splitDistribute: kind = "operator-list"
        case .union: kind = "operator-union"
        case .broadcast: kind = "broadcast"
        }
        header(operatorName: operatorName, state: e.stateName, kind: kind, into: &out)
        if let key = e.key { field("userKey", key, into: &out) }
        field("value", e.value, into: &out)
        // Operator state has no key or namespace; list elements say which subtask held them.
        if e.mode != .broadcast { append(",\"subtask\":\(subtask)", to: &out) }
        out.append(UInt8(ascii: "}"))
    }

    /// A TTL value prints as the user's value, with its timestamp beside it.
    static func unwrapTTL(_ v: Value) -> (Value, Int64?) {
        if case let .ttl(timestamp, value) = v { return (value, timestamp) }
        return (v, nil)
    }

    static func header(operatorName: String, state: String, kind: String, into out: inout [UInt8]) {
        append("{\"operator\":", to: &out)
        ValueJSON.appendString(operatorName, to: &out)
        append(",\"state\":", to: &out)
        ValueJSON.appendString(state, to: &out)
        append(",\"kind\":\"\(kind)\"", to: &out)
    }

    static func field(_ name: String, _ v: Value, into out: inout [UInt8]) {
        append(",\"\(name)\":", to: &out)
        ValueJSON.append(v, to: &out)
    }

    static func append(_ s: String, to out: inout [UInt8]) {
        out.append(contentsOf: s.utf8)
    }

    /// Whether `v` rendered as JSON equals `json`.
    static func jsonEquals(_ v: Value, _ json: JSONValue) -> Bool {
        var text: [UInt8] = []
        ValueJSON.append(v, to: &text)
        return JSONValue.parse(text) == json
    }
}
