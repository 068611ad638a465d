import CanonicalFormat
import FlinkSerialization

/// Builds one line of dump schema v1 straight into the output buffer.
enum DumpLine {
    /// Field names with their punctuation, as bytes: built once, appended per line.
    /// Shared with the direct path (`CanonicalEntryJSON`), whose lines must equal these.
    static let keyField = CanonicalEntryJSON.keyField
    static let namespaceField = CanonicalEntryJSON.namespaceField
    static let userKeyField = CanonicalEntryJSON.userKeyField
    static let valueField = CanonicalEntryJSON.valueField
    static let ttlField = Array(#","ttlTimestamp":"#.utf8)

    static func keyed(_ e: KeyedStateEntry, header: [UInt8], into out: inout [UInt8]) {
        out.append(contentsOf: header)
        out.append(contentsOf: keyField)
        ValueJSON.append(e.key, to: &out)
        out.append(contentsOf: namespaceField)
        ValueJSON.append(e.namespace, to: &out)
        if let userKey = e.userKey {
            out.append(contentsOf: userKeyField)
            ValueJSON.append(userKey, to: &out)
        }
        let (value, ttl) = unwrapTTL(e.value)
        out.append(contentsOf: valueField)
        ValueJSON.append(value, to: &out)
        if let ttl {
            out.append(contentsOf: ttlField)
            ValueJSON.append(.int(ttl), to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    static func operatorElement(_ e: OperatorStateElement, operatorName: String, subtask: Int, into out: inout [UInt8]) {
        let kind: String
        switch e.mode {
        case .splitDistribute: kind = "operator-list"
        case .union: kind = "operator-union"
        case .broadcast: kind = "broadcast"
        }
        out.append(contentsOf: header(operatorName: operatorName, state: e.stateName, kind: kind))
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

    /// `{"operator":…,"state":…,"kind":…` — the start every line of one state shares.
    static func header(operatorName: String, state: String, kind: String) -> [UInt8] {
        var out: [UInt8] = []
        append("{\"operator\":", to: &out)
        ValueJSON.appendString(operatorName, to: &out)
        append(",\"state\":", to: &out)
        ValueJSON.appendString(state, to: &out)
        append(",\"kind\":\"\(kind)\"", to: &out)
        return out
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
