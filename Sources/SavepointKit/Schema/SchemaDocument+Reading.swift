import FlinkSerialization
import SavepointMetadata

/// A schema document that does not read: which file, line and column (1-based), and what was expected.
public struct SchemaDocumentError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "\(file), line \(line), column \(column): \(message)" }
}

extension SchemaDocument {
    /// Reads a schema document (`schema show --json`, possibly edited by hand). Every failure names
    /// the line and column: of the JSON that does not parse, of the member that is missing or of the
    /// wrong type, of the place in a type string where the notation goes wrong.
    public init(json bytes: [UInt8], file: String) throws {
        var reader = LocatedJSON.Reader(bytes: bytes)
        let root: LocatedJSON
        do {
            root = try reader.document()
        } catch let failure as LocatedJSON.Failure {
            throw Self.error(file, bytes, failure.offset, failure.message)
        }
        func fail(_ at: LocatedJSON, _ message: String) -> SchemaDocumentError {
            Self.error(file, bytes, at.offset, message)
        }
        func member(_ object: LocatedJSON, _ name: String, required: Bool = true) throws -> LocatedJSON? {
            guard case .object(let members) = object.value else { throw fail(object, "expected an object") }
            let found = members.first { $0.0 == name }?.1
            if found == nil, required { throw fail(object, "expected the member \"\(name)\" in this object") }
            if let found, case .null = found.value { return nil }
            return found
        }
        func string(_ object: LocatedJSON, _ name: String, required: Bool = true) throws -> String? {
            guard let v = try member(object, name, required: required) else {
                if required { throw fail(object, "expected \"\(name)\" to be a string, found null") }
                return nil
            }
            guard case .string(let s) = v.value else { throw fail(v, "expected \"\(name)\" to be a string") }
            return s
        }
        func type(_ object: LocatedJSON, _ name: String, required: Bool = true) throws -> SchemaType? {
            guard let text = try string(object, name, required: required),
                  let v = try member(object, name, required: required) else { return nil }
            do {
                return try SchemaTypeParser.parse(text)
            } catch let failure as SchemaTypeParser.Failure {
                // Type strings need no escapes: the character offset is the byte column after the quote.
                let (line, column) = Self.position(bytes, v.offset)
                throw SchemaDocumentError(file: file, line: line, column: column + 1 + failure.offset,
                                          message: "in the type \"\(text)\": \(failure.message)")
            }
        }
        guard let versionValue = try member(root, "schemaDocument"), case .number(let version) = versionValue.value,
              version == "\(Self.version)" else {
            throw fail(root, "expected \"schemaDocument\": \(Self.version) (a document of `savepoint schema show --json`)")
        }
        flinkVersion = try string(root, "flinkVersion", required: false)
        guard let list = try member(root, "operators"), case .array(let ops) = list.value else {
            throw fail(root, "expected \"operators\" to be an array")
        }
        operators = try ops.map { op in
            let uid = try string(op, "uid", required: false)
            let operatorId: String
            if let hex = try string(op, "operatorId", required: uid == nil) {
                guard OperatorID(hex: hex) != nil else {
                    throw fail(try member(op, "operatorId") ?? op, "expected an operator id of 32 hex digits, found \"\(hex)\"")
                }
                operatorId = hex.lowercased()
            } else {
                operatorId = OperatorID(uid: uid ?? "").hex
            }
            guard let stateList = try member(op, "states"), case .array(let states) = stateList.value else {
                throw fail(op, "expected \"states\" to be an array")
            }
            return Operator(uid: uid, operatorId: operatorId, key: try type(op, "key", required: false),
                            states: try states.map { s in
                                let kind = try string(s, "kind")!
                                guard Self.kinds.contains(kind) else {
                                    throw fail(try member(s, "kind")!, "expected a state kind (\(Self.kinds.joined(separator: ", "))), found \"\(kind)\"")
                                }
                                return State(name: try string(s, "name")!, kind: kind, type: try type(s, "type")!,
                                             namespace: try type(s, "namespace", required: false))
                            })
        }
    }

    static func error(_ file: String, _ bytes: [UInt8], _ offset: Int, _ message: String) -> SchemaDocumentError {
        let (line, column) = position(bytes, offset)
        return SchemaDocumentError(file: file, line: line, column: column, message: message)
    }

    /// 1-based line and column (in characters) of a byte offset.
    static func position(_ bytes: [UInt8], _ offset: Int) -> (Int, Int) {
        var line = 1, column = 1
        for b in bytes[..<min(offset, bytes.count)] {
            if b == UInt8(ascii: "\n") { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return (line, column)
    }
}
