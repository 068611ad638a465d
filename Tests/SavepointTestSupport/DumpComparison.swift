import Bytes
import Foundation
import SavepointKit

/// Compares dumps the way the fixture factory's `compare-dumps` does: as multisets of JSON values,
/// `$raw` values equal whatever their content (the oracle cannot render them), `ttlTimestamp`
/// ignored (Flink's API does not expose it), and operators compared by operator id (Flink 1.x
/// savepoints store no uid, so the toolkit prints the id where the oracle knows the uid).
public enum DumpComparison {
    public static func normalizedLines(_ bytes: [UInt8]) -> [JSONValue: Int] {
        var counts: [JSONValue: Int] = [:]
        for line in bytes.split(separator: 0x0A) where !line.isEmpty {
            guard let v = JSONValue.parse(Array(line)) else {
                counts[.string("unparseable: " + String(decoding: line, as: UTF8.self)), default: 0] += 1
                continue
            }
            counts[normalize(v, top: true), default: 0] += 1
        }
        return counts
    }

    public static func normalize(_ v: JSONValue, top: Bool = false) -> JSONValue {
        switch v {
        case let .object(fields):
            if fields["$raw"] != nil { return .object(["$raw": .bool(true)]) }
            var out: [String: JSONValue] = [:]
            for (k, value) in fields {
                if top, k == "ttlTimestamp" { continue }
                if top, k == "operator", case let .string(s) = value {
                    out[k] = .string(isHexID(s) ? s : OperatorIDHex.of(uid: s))
                    continue
                }
                out[k] = normalize(value)
            }
            return .object(out)
        case let .array(items): return .array(items.map { normalize($0) })
        case let .number(d) where d == d.rounded() && abs(d) < 9.0e15:
            // `1.0` and `1` are the same JSON number.
            return .integer(Int64(d))
        default: return v
        }
    }

    public static func isHexID(_ s: String) -> Bool {
        s.count == 32 && s.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// A readable account of the first differences, or nil when equal.
    public static func difference(actual: [UInt8], expected: [UInt8]) -> String? {
        let a = normalizedLines(actual), e = normalizedLines(expected)
        guard a != e else { return nil }
        var report: [String] = []
        for (v, n) in e where a[v, default: 0] < n { report.append("missing: \(v)") }
        for (v, n) in a where e[v, default: 0] < n { report.append("unexpected: \(v)") }
        return "\(a.values.reduce(0, +)) lines vs \(e.values.reduce(0, +)) expected\n"
            + report.prefix(6).joined(separator: "\n")
    }
}

public enum OperatorIDHex {
    public static func of(uid: String) -> String { FlinkHashing.operatorID(forUid: uid).hexString }
}
