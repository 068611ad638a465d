import Bytes
import CanonicalFormat
import FlinkSerialization
import Foundation
import SavepointMetadata

/// `--upsert FILE.jsonl`: dump-schema-v1 lines (as `savepoint dump` prints them) whose values
/// replace the values of existing entries of value and map state. Each line is encoded with the
/// state's own serializers (`KeyedStateSchema.encodeCanonical`) when the plan is checked, so a
/// value that does not fit the type is refused, naming file and line, before anything is written.
///
/// Entries are matched by their canonical key after the key-group prefix (key, namespace, user
/// key): equal values have equal bytes, as Flink's RocksDB backend looks them up. Inserting an
/// entry that does not exist yet is not built: a line that matches no entry fails the rewrite
/// before OUT appears (`UpsertMatches.check`).
struct UpsertStage: KeyedEntryStage {
    /// Upserted entries by state name, then by canonical key after the prefix.
    let entries: [String: [[UInt8]: UpsertEntry]]

    func bound(to input: KeyedBackendSerializationProxy, keyGroupPrefixBytes: Int) throws -> BoundEntryStage {
        let byIndex = input.states.map { entries[$0.name] }
        // The route finds the entry's replacement, the transform (run right after the routes, for
        // the same entry, in the one thread that reads this subtask) hands it on.
        let found = Box()
        return BoundEntryStage(proxy: input, route: { stateIndex, key, _ in
            found.value = nil
            guard stateIndex < byIndex.count, let states = byIndex[stateIndex], key.count > keyGroupPrefixBytes else { return stateIndex }
            if let entry = states[Array(key[keyGroupPrefixBytes...])] {
                found.value = entry.value
                entry.matches.add(entry.line)
            }
            return stateIndex
        }, transform: { _, _ in found.value })
    }

    final class Box: @unchecked Sendable { var value: [UInt8]? }
}

/// One line of an upsert file, encoded: its line number, the state's value bytes, and the lines
/// of its file matched so far.
struct UpsertEntry: Sendable, Equatable {
    var line: Int
    var value: [UInt8]
    var matches: UpsertMatches
}

/// The lines of an upsert file that matched an entry, over every subtask's reader.
final class UpsertMatches: @unchecked Sendable, Equatable {
    let file: String
    /// Every line of the file: its number and the entry it names, for messages.
    let lines: [Int: String]
    private let lock = NSLock()
    private var matched = Set<Int>()

    init(file: String, lines: [Int: String]) {
        self.file = file
        self.lines = lines
    }

    func add(_ line: Int) { _ = lock.withLock { matched.insert(line) } }

    /// Throws for the first line no entry matched (once every subtask is read).
    func check() throws {
        let matched = lock.withLock { self.matched }
        guard let first = lines.keys.filter({ !matched.contains($0) }).min() else { return }
        throw SavepointError.usage("--upsert: \(file):\(first): no entry of \(lines[first]!) exists; upsert replaces existing entries only (inserting is not built yet)")
    }

    static func == (a: UpsertMatches, b: UpsertMatches) -> Bool { a === b }
}

/// Reading an upsert file against the savepoint.
enum UpsertFile {
    /// One line, parsed: the operator it names, and its state and entry.
    struct Line {
        var number: Int
        var op: String
        var state: String
        var fields: [String: JSONValue]
    }

    static func lines(_ path: String) throws -> [Line] {
        let data = try RewritePlan.contents(of: path)
        var out: [Line] = []
        for (n, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let text = Array(line.last == 0x0D ? line.dropLast() : line[...])
            guard text.contains(where: { ![0x20, 0x09].contains($0) }) else { continue }
            guard case let .object(fields)? = JSONValue.parse(text), case let .string(op)? = fields["operator"],
                  case let .string(state)? = fields["state"], fields["key"] != nil, fields["value"] != nil else {
                throw SavepointError.usage("--upsert: \(path):\(n + 1): not a keyed-state line as dump prints it (an object with operator, state, key, namespace, value)")
            }
            out.append(Line(number: n + 1, op: op, state: state, fields: fields))
        }
        return out
    }

    /// The lines of one operator encoded with its states' serializers (the header of its first
    /// subtask: every subtask has the same serializers), by state and canonical key.
    static func encode(_ lines: [Line], file: String, matches: UpsertMatches, of op: OperatorState, in savepoint: Savepoint) throws -> [String: [[UInt8]: UpsertEntry]] {
        guard let keyed = op.subtaskStates.lazy.compactMap(\.state?.managedKeyedState).first else {
            throw SavepointError.usage("--upsert: \(file):\(lines[0].number): operator \(op.displayName) has no keyed state")
        }
        let proxy = try KeyedStateHeader.read(keyed, of: op, in: savepoint).proxy
        var out: [String: [[UInt8]: UpsertEntry]] = [:]
        for line in lines {
            let at = "--upsert: \(file):\(line.number)"
            guard let meta = proxy.states.first(where: { $0.name == line.state }) else {
                throw SavepointError.usage("\(at): operator \(op.displayName) has no keyed state \(line.state); it has: "
                    + proxy.states.map(\.name).joined(separator: ", "))
            }
            let schema = KeyedStateSchema(metaInfo: meta, keySerializer: proxy.keySerializer)
            let valueSerializer: (any TypeSerializer)?
            switch schema.kind {
            case .map: valueSerializer = schema.elementSerializer
            case .list, .timer:
                throw SavepointError.unsupported("\(at): \(line.state) is \(schema.kind == .list ? "list state" : "a timer state"); upsert writes value and map state only yet")
            default: valueSerializer = schema.stateSerializer
            }
            func fit(_ field: String, _ serializer: (any TypeSerializer)?) throws -> Value {
                let json = line.fields[field] ?? .null
                guard let serializer, let v = UpsertValue.value(json, for: serializer) else {
                    throw SavepointError.usage("\(at): \(field) \(json.text) does not fit \(line.state)'s \(field) type, \(serializer.map(UpsertValue.describe) ?? "none")")
                }
                return v
            }
            let entry = KeyedStateEntry(stateIndex: 0, keyGroup: 0, key: try fit("key", schema.keySerializer),
                                        namespace: try fit("namespace", schema.namespaceSerializer),
                                        userKey: schema.kind == .map ? try fit("userKey", schema.userKeySerializer) : nil,
                                        value: try fit("value", valueSerializer))
            let (key, value) = try schema.encodeCanonical(entry, keyGroupPrefixBytes: 1)
            let canonicalKey = Array(key.dropFirst())
            if let earlier = out[line.state]?[canonicalKey] {
                throw SavepointError.usage("\(at): the same entry as line \(earlier.line)")
            }
            out[line.state, default: [:]][canonicalKey] = UpsertEntry(line: line.number, value: value, matches: matches)
        }
        return out
    }
}

/// Dump-schema JSON to a `Value` a serializer writes: the inverse of `JSONEmitter.value` for the
/// types upsert writes (Java primitives and their boxes, String, VoidNamespace, TimeWindow); nil
/// when the JSON does not fit the type, or the type is not one of these.
enum UpsertValue {
    static func value(_ json: JSONValue, for serializer: any TypeSerializer) -> Value? {
        switch (serializer, json) {
        case (is StringSerializer, .string(let s)): return .string(s)
        case (is VoidNamespaceSerializer, .null): return .voidNamespace
        case (is TimeWindowSerializer, .object(let f)):
            guard f.count == 2, case let .integer(start)? = f["start"], case let .integer(end)? = f["end"] else { return nil }
            return .timeWindow(start: start, end: end)
        case (let p as PrimitiveSerializer, _): return primitive(json, p.kind)
        default: return nil
        }
    }

    /// The type as messages name it.
    static func describe(_ serializer: any TypeSerializer) -> String {
        switch serializer {
        case is StringSerializer: "String"
        case is VoidNamespaceSerializer: "VoidNamespace (null)"
        case is TimeWindowSerializer: "TimeWindow ({\"start\": S, \"end\": E})"
        case let p as PrimitiveSerializer: "\(p.kind)"
        default: "\(type(of: serializer)) (not written by upsert yet)"
        }
    }

    static func primitive(_ json: JSONValue, _ kind: PrimitiveSerializer.Kind) -> Value? {
        switch (kind, json) {
        case (.boolean, .bool(let b)): return .bool(b)
        case (.byte, .integer(let i)): return Int8(exactly: i).map { .int(Int64($0)) }
        case (.short, .integer(let i)): return Int16(exactly: i).map { .int(Int64($0)) }
        case (.int, .integer(let i)): return Int32(exactly: i).map { .int(Int64($0)) }
        case (.long, .integer(let i)): return .int(i)
        case (.float, .integer(let i)): return .float(Float(i))
        case (.float, .number(let d)): return .float(Float(d))
        case (.double, .integer(let i)): return .double(Double(i))
        case (.double, .number(let d)): return .double(d)
        case (.char, .string(let s)):
            let units = Array(s.utf16)
            return units.count == 1 ? .char(units[0]) : nil
        default: return nil
        }
    }
}
