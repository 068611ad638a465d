import FlinkSerialization
import Foundation

/// The one JSON style of every report (`inspect`, `validate`, `convert`, `uid-hash` `--json`):
/// keys sorted, two-space indent, slashes unescaped, `[]` and `{}` for empty containers, integers
/// exact. A report is encoded with Foundation's `Encodable` and printed by this printer, whose
/// strings and integers go through the dump's own JSON emitter (`JSONEmitter`).
public enum ReportJSON {
    /// The document for `value`, ending in a newline.
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let compact = Array(try encoder.encode(value))
        guard let parsed = JSONValue.parse(compact) else {
            throw SavepointError.io("internal error: a report did not encode as JSON")
        }
        var out: [UInt8] = []
        append(parsed, indent: 0, to: &out)
        out.append(0x0A)
        return out
    }

    static func append(_ value: JSONValue, indent: Int, to out: inout [UInt8]) {
        switch value {
        case .null: out += Array("null".utf8)
        case let .bool(b): out += Array((b ? "true" : "false").utf8)
        case let .integer(n): JSONEmitter.append(to: &out) { $0.integer(n) }
        case let .number(d): out += Array(number(d).utf8)
        case let .string(s): JSONEmitter.append(to: &out) { $0.string(s) }
        case let .array(items):
            guard !items.isEmpty else { out += Array("[]".utf8); return }
            out += Array("[\n".utf8)
            for (i, item) in items.enumerated() {
                pad(indent + 1, &out)
                append(item, indent: indent + 1, to: &out)
                out += Array((i + 1 < items.count ? ",\n" : "\n").utf8)
            }
            pad(indent, &out)
            out.append(UInt8(ascii: "]"))
        case let .object(fields):
            guard !fields.isEmpty else { out += Array("{}".utf8); return }
            out += Array("{\n".utf8)
            let keys = fields.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (i, key) in keys.enumerated() {
                pad(indent + 1, &out)
                JSONEmitter.append(to: &out) { $0.string(key) }
                out += Array(": ".utf8)
                append(fields[key]!, indent: indent + 1, to: &out)
                out += Array((i + 1 < keys.count ? ",\n" : "\n").utf8)
            }
            pad(indent, &out)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Shortest text that reads back as `d`; whole numbers without a fraction.
    static func number(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    static func pad(_ level: Int, _ out: inout [UInt8]) {
        out += [UInt8](repeating: 0x20, count: level * 2)
    }

    /// Seconds rounded to the millisecond, as every report gives durations.
    public static func seconds(_ interval: TimeInterval) -> Double {
        (interval * 1000).rounded() / 1000
    }
}
