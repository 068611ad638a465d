import CanonicalFormat
import FlinkSerialization

/// Builds one line of dump schema v1 straight into the output buffer, through `JSONEmitter` as
/// the direct path (`CanonicalEntryJSON`) does.
enum DumpLine {
    static func keyed(_ e: KeyedStateEntry, header: [UInt8], into out: inout [UInt8]) {
        JSONEmitter.append(to: &out) { e.writeLine(header: header, to: &$0) }
    }

    static func operatorElement(_ e: OperatorStateElement, operatorName: String, subtask: Int, into out: inout [UInt8]) {
        let kind: String
        switch e.mode {
        case .splitDistribute: kind = "operator-list"
        case .union: kind = "operator-union"
        case .broadcast: kind = "broadcast"
        }
        JSONEmitter.append(to: &out) { out in
            writeHeader(operatorName: operatorName, state: e.stateName, kind: kind, to: &out)
            if let key = e.key {
                out.write(DumpField.userKey)
                out.value(key)
            }
            out.write(DumpField.value)
            out.value(e.value)
            // Operator state has no key or namespace; list elements say which subtask held them.
            if e.mode != .broadcast {
                out.write(#","subtask":"#)
                out.integer(Int64(subtask))
            }
            out.byte(UInt8(ascii: "}"))
        }
    }

    /// `{"operator":…,"state":…,"kind":…` — the start every line of one state shares.
    static func header(operatorName: String, state: String, kind: String) -> [UInt8] {
        var out: [UInt8] = []
        JSONEmitter.append(to: &out) { writeHeader(operatorName: operatorName, state: state, kind: kind, to: &$0) }
        return out
    }

    static func writeHeader(operatorName: String, state: String, kind: String, to out: inout JSONEmitter) {
        out.write(#"{"operator":"#)
        out.string(operatorName)
        out.write(#","state":"#)
        out.string(state)
        out.write(#","kind":"#)
        out.string(kind)
    }

    /// Whether `v` rendered as JSON equals `json`.
    static func jsonEquals(_ v: Value, _ json: JSONValue) -> Bool {
        var text: [UInt8] = []
        JSONEmitter.append(to: &text) { $0.value(v) }
        return JSONValue.parse(text) == json
    }
}
