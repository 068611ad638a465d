import FlinkSerialization

/// Reads the type notation back (`SchemaType.rendered`, what `inspect` prints): how a user writes
/// the new job's types in a schema document. Spaces around punctuation are optional.
///
///     type   := "?" | "POJO " class "{" [name ":" type {"," name ":" type}] "}"
///             | ("Enum" | "Kryo" | "Value" | "Avro") " " class
///             | "Row(" ["f0:" type {"," "fN:" type}] ")"
///             | name ["<" [type {"," type}] ">"]        followed by any number of "[]"
public struct SchemaTypeParser {
    /// Where the text failed: a 0-based character offset into it, and what was expected there.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var description: String { "at character \(offset + 1) of a type: \(message)" }
    }

    let chars: [Character]
    var i = 0
    var depth = 0

    public static func parse(_ text: String) throws -> SchemaType {
        var p = SchemaTypeParser(chars: Array(text))
        p.space()
        let t = try p.type()
        p.space()
        guard p.i == p.chars.count else { throw p.fail("expected the end of the type after \(t.rendered)") }
        return t
    }

    func fail(_ message: String) -> Failure { Failure(offset: i, message: message) }

    var peek: Character? { i < chars.count ? chars[i] : nil }

    mutating func space() { while let c = peek, c == " " || c == "\t" || c == "\n" { i += 1 } }

    mutating func expect(_ c: Character, _ what: String) throws {
        space()
        guard peek == c else { throw fail("expected '\(c)' \(what), found \(found)") }
        i += 1
        space()
    }

    var found: String { peek.map { "'\($0)'" } ?? "the end" }

    static func isNameCharacter(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "." || c == "$" || c == "_" || c == "-"
    }

    mutating func name(_ what: String) throws -> String {
        let start = i
        while let c = peek, Self.isNameCharacter(c) { i += 1 }
        guard i > start else { throw fail("expected \(what), found \(found)") }
        return String(chars[start..<i])
    }

    /// A class name: a Java name, or an array class as `Class.getName` spells it (`[Lcom.acme.X;`).
    mutating func className() throws -> String {
        let start = i
        while peek == "[" { i += 1 }
        if i > start, peek == "L" { i += 1 }
        while let c = peek, Self.isNameCharacter(c) { i += 1 }
        if i > start, chars[start] == "[", peek == ";" { i += 1 }
        guard i > start else { throw fail("expected a class name, found \(found)") }
        return String(chars[start..<i])
    }

    mutating func type() throws -> SchemaType {
        depth += 1
        defer { depth -= 1 }
        guard depth <= SerializerSnapshot.maxNestingDepth else {
            throw fail("types nested deeper than \(SerializerSnapshot.maxNestingDepth) levels")
        }
        var t: SchemaType
        if peek == "?" {
            i += 1
            t = .unknown
        } else {
            let word = try name("a type (e.g. Long, List<String>, POJO com.acme.Order{id: Long})")
            if peek == " " || peek == "\t", let prefix = SchemaType.Prefix(rawValue: word) {
                space()
                t = .classed(prefix, try className())
            } else if word == "POJO", peek == " " || peek == "\t" {
                space()
                t = try pojo()
            } else if word == "Row", peek == "(" {
                t = try row()
            } else if peek == "<" || lookingAtAngle() {
                space()
                i += 1
                space()
                var args: [SchemaType] = []
                if peek != ">" {
                    args.append(try type())
                    space()
                    while peek == "," {
                        i += 1
                        space()
                        args.append(try type())
                        space()
                    }
                }
                try expect(">", "to close \(word)<")
                t = .generic(word, args)
            } else {
                t = .named(word)
            }
        }
        while peek == "[", i + 1 < chars.count, chars[i + 1] == "]" {
            i += 2
            t = SchemaType.arrayOf(t)
        }
        return t
    }

    /// `List <String>` with a space before the bracket.
    func lookingAtAngle() -> Bool {
        var j = i
        while j < chars.count, chars[j] == " " { j += 1 }
        return j < chars.count && chars[j] == "<"
    }

    mutating func pojo() throws -> SchemaType {
        let cls = try className()
        try expect("{", "after the POJO class \(cls)")
        var fields: [SchemaType.Field] = []
        if peek != "}" {
            repeat {
                if !fields.isEmpty { i += 1; space() }
                let field = try name("a POJO field name")
                try expect(":", "after the field name \(field)")
                fields.append(SchemaType.Field(name: field, type: try type()))
                space()
                if fields.dropLast().contains(where: { $0.name == field }) {
                    throw fail("the field \(field) appears twice in POJO \(cls)")
                }
            } while peek == ","
        }
        guard peek == "}" else { throw fail("expected ',' or '}' in POJO \(cls), found \(found)") }
        i += 1
        return .pojo(className: cls, fields: fields)
    }

    mutating func row() throws -> SchemaType {
        i += 1
        space()
        var fields: [SchemaType] = []
        if peek != ")" {
            repeat {
                if !fields.isEmpty { i += 1; space() }
                let at = i
                let field = try name("a row field name (f\(fields.count))")
                guard field == "f\(fields.count)" else {
                    throw Failure(offset: at, message: "expected the row field f\(fields.count), found \(field)"
                                  + " (a row's fields are named by position)")
                }
                try expect(":", "after the field name \(field)")
                fields.append(try type())
                space()
            } while peek == ","
        }
        guard peek == ")" else { throw fail("expected ',' or ')' in Row(, found \(found)") }
        i += 1
        return .row(fields)
    }
}
