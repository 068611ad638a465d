/// JSON with the byte offset of every value, so that errors in a document a user wrote (a schema
/// document) name a line and column; `JSONValue` is the same parse without positions.
struct LocatedJSON {
    indirect enum Value {
        case object([(String, LocatedJSON)]), array([LocatedJSON]), string(String), number(String), bool(Bool), null
    }

    var value: Value
    var offset: Int

    struct Failure: Error {
        var offset: Int
        var message: String
    }

    struct Reader {
        let bytes: [UInt8]
        var i = 0
        static let maxDepth = 256

        mutating func document() throws -> LocatedJSON {
            let v = try value(depth: 0)
            space()
            guard i == bytes.count else { throw Failure(offset: i, message: "expected the end of the document") }
            return v
        }

        mutating func space() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        func fail(_ what: String) -> Failure {
            Failure(offset: i, message: "expected \(what), found " + (i < bytes.count ? "'\(Character(Unicode.Scalar(bytes[i])))'" : "the end"))
        }

        mutating func value(depth: Int) throws -> LocatedJSON {
            space()
            guard depth < Self.maxDepth else { throw Failure(offset: i, message: "JSON nested too deep") }
            let at = i
            guard i < bytes.count else { throw fail("a JSON value") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var members: [(String, LocatedJSON)] = []
                space()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return LocatedJSON(value: .object(members), offset: at) }
                while true {
                    space()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("a member name in quotes") }
                    let name = try string()
                    space()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("':' after \"\(name)\"") }
                    i += 1
                    members.append((name, try value(depth: depth + 1)))
                    space()
                    guard i < bytes.count else { throw fail("',' or '}'") }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return LocatedJSON(value: .object(members), offset: at) }
                    guard bytes[i] == UInt8(ascii: ",") else { throw fail("',' or '}'") }
                    i += 1
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [LocatedJSON] = []
                space()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return LocatedJSON(value: .array(items), offset: at) }
                while true {
                    items.append(try value(depth: depth + 1))
                    space()
                    guard i < bytes.count else { throw fail("',' or ']'") }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return LocatedJSON(value: .array(items), offset: at) }
                    guard bytes[i] == UInt8(ascii: ",") else { throw fail("',' or ']'") }
                    i += 1
                }
            case UInt8(ascii: "\""):
                return LocatedJSON(value: .string(try string()), offset: at)
            case UInt8(ascii: "t"): try literal("true"); return LocatedJSON(value: .bool(true), offset: at)
            case UInt8(ascii: "f"): try literal("false"); return LocatedJSON(value: .bool(false), offset: at)
            case UInt8(ascii: "n"): try literal("null"); return LocatedJSON(value: .null, offset: at)
            default:
                while i < bytes.count, "+-.0123456789eE".utf8.contains(bytes[i]) { i += 1 }
                guard i > at else { throw fail("a JSON value") }
                return LocatedJSON(value: .number(String(decoding: bytes[at..<i], as: UTF8.self)), offset: at)
            }
        }

        mutating func literal(_ word: String) throws {
            guard bytes[i...].starts(with: word.utf8) else { throw fail(word) }
            i += word.utf8.count
        }

        /// A string from its opening quote; escapes as JSON has them (`\uXXXX` with surrogate pairs).
        mutating func string() throws -> String {
            i += 1
            var units: [UInt16] = []
            var run: [UInt8] = []
            while true {
                guard i < bytes.count else { throw fail("the closing quote") }
                let b = bytes[i]
                if b == UInt8(ascii: "\"") { i += 1; break }
                if b < 0x20 { throw fail("a character (control characters must be escaped)") }
                if b != UInt8(ascii: "\\") { run.append(b); i += 1; continue }
                units.append(contentsOf: String(decoding: run, as: UTF8.self).utf16)
                run.removeAll()
                i += 1
                guard i < bytes.count else { throw fail("an escape") }
                switch bytes[i] {
                case UInt8(ascii: "\""): units.append(0x22)
                case UInt8(ascii: "\\"): units.append(0x5C)
                case UInt8(ascii: "/"): units.append(0x2F)
                case UInt8(ascii: "b"): units.append(0x08)
                case UInt8(ascii: "f"): units.append(0x0C)
                case UInt8(ascii: "n"): units.append(0x0A)
                case UInt8(ascii: "r"): units.append(0x0D)
                case UInt8(ascii: "t"): units.append(0x09)
                case UInt8(ascii: "u"):
                    guard i + 4 < bytes.count, let u = UInt16(String(decoding: bytes[(i + 1)...(i + 4)], as: UTF8.self), radix: 16)
                    else { throw fail("four hex digits after \\u") }
                    units.append(u)
                    i += 4
                default: throw fail("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
                }
                i += 1
            }
            units.append(contentsOf: String(decoding: run, as: UTF8.self).utf16)
            return String(decoding: units, as: UTF16.self)
        }
    }
}
