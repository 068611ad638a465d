import FlinkSerialization
import Foundation

/// The one JSON style of every report (`inspect`, `validate`, `convert`, `rewrite`, `uid-hash`
/// `--json`) and of JSON diagnostics (`dump --json`, one object per line): keys sorted, slashes
/// unescaped, `[]` and `{}` for empty containers, integers exact; a report with a two-space indent,
/// a line without spaces. A value is encoded with Foundation's `Encodable` and printed by this
/// printer, whose strings and integers go through the dump's own JSON emitter (`JSONEmitter`).
public enum ReportJSON {
    /// The document for `value`, indented, ending in a newline.
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        var out: [UInt8] = []
        append(try parsed(value), indent: 0, to: &out)
        out.append(0x0A)
        return out
    }

    /// `value` as one line of JSON (no spaces), ending in a newline.
    public static func line<T: Encodable>(_ value: T) throws -> [UInt8] {
        var out: [UInt8] = []
        append(try parsed(value), indent: nil, to: &out)
        out.append(0x0A)
        return out
    }

    static func parsed<T: Encodable>(_ value: T) throws -> JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let parsed = JSONValue.parse(Array(try encoder.encode(value))) else {
            throw SavepointError.io("internal error: a report did not encode as JSON")
        }
        return parsed
    }

    /// Prints `value`; `indent` is the nesting level of an indented document, nil for one line.
    static func append(_ value: JSONValue, indent: Int?, to out: inout [UInt8]) {
        let inner = indent.map { $0 + 1 }
        switch value {
        case .null: out += Array("null".utf8)
        case let .bool(b): out += Array((b ? "true" : "false").utf8)
        case let .integer(n): JSONEmitter.append(to: &out) { $0.integer(n) }
        case let .number(d): out += Array(number(d).utf8)
        case let .string(s): JSONEmitter.append(to: &out) { $0.string(s) }
        case let .array(items):
            guard !items.isEmpty else { out += Array("[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(inner, &out)
                append(item, indent: inner, to: &out)
            }
            newline(indent, &out)
            out.append(UInt8(ascii: "]"))
        case let .object(fields):
            guard !fields.isEmpty else { out += Array("{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            let keys = fields.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (i, key) in keys.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(inner, &out)
                JSONEmitter.append(to: &out) { $0.string(key) }
                out += Array((indent == nil ? ":" : ": ").utf8)
                append(fields[key]!, indent: inner, to: &out)
            }
            newline(indent, &out)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// In an indented document, a newline and the indent of `level`; nothing on one line.
    static func newline(_ level: Int?, _ out: inout [UInt8]) {
        guard let level else { return }
        out.append(0x0A)
        out += [UInt8](repeating: 0x20, count: level * 2)
    }

    /// Shortest text that reads back as `d`; whole numbers without a fraction.
    static func number(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    /// Seconds rounded to the millisecond, as every report gives durations.
    public static func seconds(_ interval: TimeInterval) -> Double {
        (interval * 1000).rounded() / 1000
    }
}
