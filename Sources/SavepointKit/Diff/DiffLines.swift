import Bytes
import CanonicalFormat
import FlinkSerialization

/// The dump line (schema v1) of one keyed entry on one side of a diff, rendered as `dump` renders
/// it: `CanonicalEntryJSON` straight from the bytes, else the entry decoded and printed by
/// `DumpLine.keyed` (which is also where a malformed entry's error comes from).
struct DiffEntryRenderer {
    let schema: KeyedStateSchema
    let header: [UInt8]
    let direct: CanonicalEntryJSON?
    let keyGroupPrefixBytes: Int

    init(schema: KeyedStateSchema, operatorName: String, keyGroupPrefixBytes: Int) {
        self.schema = schema
        header = DumpLine.header(operatorName: operatorName, state: schema.metaInfo.name, kind: schema.kind.rawValue)
        direct = CanonicalEntryJSON(schema: schema, header: header)
        self.keyGroupPrefixBytes = keyGroupPrefixBytes
    }

    /// The line of the entry with canonical key `keyAfterPrefix` (after the key-group prefix) and `value`.
    func line(keyGroup: Int, keyAfterPrefix: [UInt8], value: [UInt8]) throws -> [UInt8] {
        let raw = CanonicalKeyGroupBlock.RawEntry(stateIndex: 0, keyGroup: keyGroup, keyAfterPrefix: ByteReader(keyAfterPrefix),
                                                  value: ByteReader(value))
        var out: [UInt8] = []
        if let direct {
            var readers = raw
            if (try? direct.append(&readers, to: &out)) != nil { return out }
            out.removeAll()
        }
        DumpLine.keyed(try schema.decodeCanonical(raw), header: header, into: &out)
        return out
    }
}

/// Where a dump line's parts are: the top-level `"value"` field splits a line into what
/// identifies the entry (operator, state, kind, key, namespace, user key) and what it holds.
enum DiffLine {
    /// The range of the top-level `value` field's JSON value in `line` (one JSON object).
    static func valueRange(_ line: [UInt8]) -> Range<Int>? {
        let marker = Array(#","value":"#.utf8)
        var depth = 0, inString = false, escaped = false
        var i = 0
        var start: Int?
        while i < line.count {
            let c = line[i]
            if inString {
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true }
                else if c == UInt8(ascii: "\"") { inString = false }
                i += 1
                continue
            }
            switch c {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0, let start { return start..<i }
            case UInt8(ascii: ","):
                if depth == 1, let start { return start..<i }
                if depth == 1, line[i...].starts(with: marker) {
                    start = i + marker.count
                    i = start!
                    continue
                }
            default: break
            }
            i += 1
        }
        return nil
    }

    /// What identifies the entry: the line up to its value field (the whole line without one).
    static func identity(_ line: [UInt8]) -> ArraySlice<UInt8> {
        guard let value = valueRange(line) else { return line[...] }
        return line[..<(value.lowerBound - #","value":"#.utf8.count)]
    }

    /// What the entry holds: its value and any field after it (a TTL timestamp).
    static func contents(_ line: [UInt8]) -> ArraySlice<UInt8> {
        guard let value = valueRange(line) else { return [] }
        return line[value.lowerBound...]
    }

    /// The line with `"change"` added, and OLD's value as `"before"` for a changed entry (and OLD's
    /// TTL timestamp as `"beforeTtlTimestamp"`, where the entry has one).
    static func decorated(_ line: [UInt8], change: DiffChange, before: [UInt8]? = nil) -> [UInt8] {
        var out = Array(line.dropLast())  // the closing brace
        out += Array(#","change":""#.utf8) + Array(change.rawValue.utf8) + [UInt8(ascii: "\"")]
        if let before, let range = valueRange(before) {
            out += Array(#","before":"#.utf8)
            out += before[range]
            let ttl = Array(#","ttlTimestamp":"#.utf8)
            let rest = before[range.upperBound..<(before.count - 1)]
            if rest.starts(with: ttl) {
                out += Array(#","beforeTtlTimestamp":"#.utf8)
                out += rest.dropFirst(ttl.count)
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// How an entry differs between OLD and NEW.
enum DiffChange: String, Sendable {
    case added, removed, changed
}
