import Bytes
import CanonicalFormat
import FlinkSerialization
import Foundation
import SavepointMetadata

/// `--upsert FILE.jsonl`: dump-schema-v1 lines (as `savepoint dump` prints them) whose values
/// replace the values of existing entries of value and map state, or become new entries. Each
/// line is encoded with the state's own serializers (`KeyedStateSchema.encodeCanonical`) when the
/// plan is checked, so a value that does not fit the type is refused, naming file and line, before
/// anything is written.
///
/// Entries are matched by their canonical key after the key-group prefix (key, namespace, user
/// key): equal values have equal bytes, as Flink's RocksDB backend looks them up. A line that
/// matches no entry is inserted: into the key group Flink assigns its key
/// (`KeyGroupRangeAssignment.assignToKeyGroup`, the key's Java `hashCode` from its bytes:
/// `KeyHash`), by the reader whose key-group range holds it, merged into the key group's canonical
/// order (the LSM form's column families are sorted by these bytes; canonical streams need no
/// order, the heap backend writes hash order). A map entry whose key exists under another user key
/// is one more entry like any other. A line that is neither matched nor inserted (its key group in
/// no subtask with keyed state) fails the rewrite before OUT appears (`UpsertMatches.check`).
struct UpsertStage: KeyedEntryStage {
    /// Upserted entries by state name, then by canonical key after the prefix.
    let entries: [String: [[UInt8]: UpsertEntry]]

    /// Replacing only (a reader whose key groups are unknown inserts nothing).
    func bound(to input: KeyedBackendSerializationProxy, keyGroupPrefixBytes: Int) throws -> BoundEntryStage {
        try bind(input, keyGroupPrefixBytes: keyGroupPrefixBytes, keyGroupRange: nil, maxParallelism: 0)
    }

    func bound(to input: KeyedBackendSerializationProxy, keyGroupRange: KeyGroupRange, maxParallelism: Int) throws -> BoundEntryStage {
        try bind(input, keyGroupPrefixBytes: FlinkHashing.keyGroupPrefixBytes(maxParallelism: maxParallelism),
                 keyGroupRange: keyGroupRange, maxParallelism: maxParallelism)
    }

    private func bind(_ input: KeyedBackendSerializationProxy, keyGroupPrefixBytes: Int,
                      keyGroupRange: KeyGroupRange?, maxParallelism: Int) throws -> BoundEntryStage {
        let byIndex = input.states.map { entries[$0.name] }
        // The route finds the entry's replacement, the transform (run right after the routes, for
        // the same entry, in the one thread that reads this subtask) hands it on.
        let found = Box()
        let pending = keyGroupRange.map { Self.pending(byIndex, proxy: input, in: $0, maxParallelism: maxParallelism) } ?? [:]
        var bound = BoundEntryStage(proxy: input, route: { stateIndex, key, _ in
            found.value = nil
            guard stateIndex < byIndex.count, let states = byIndex[stateIndex], key.count > keyGroupPrefixBytes else { return stateIndex }
            let rest = Array(key[keyGroupPrefixBytes...])
            if let entry = states[rest] {
                found.value = entry.value
                entry.matches.add(entry.line)
                if !pending.isEmpty { found.matched.insert(Pending(stateIndex: stateIndex, key: rest)) }
            }
            return stateIndex
        }, transform: { _, _ in found.value })
        bound.insertKeyGroups = pending.keys.sorted()
        bound.insert = { keyGroup in
            defer { found.matched.removeAll() }
            return (pending[keyGroup] ?? []).compactMap { p in
                // An entry of this key group matched it: replaced, not inserted.
                guard !found.matched.contains(p), let entry = byIndex[p.stateIndex]?[p.key] else { return nil }
                entry.matches.insert(entry.line)
                return RawKeyedEntry(stateIndex: p.stateIndex, key: p.key, value: entry.value)
            }
        }
        return bound
    }

    /// The upserted entries whose key group (under `maxParallelism`) is in `range`, by key group,
    /// each of which is inserted unless the key group holds it. A key type whose `hashCode` cannot
    /// be computed inserts nothing (its lines, if they match nothing, fail with the reason).
    static func pending(_ byIndex: [[[UInt8]: UpsertEntry]?], proxy: KeyedBackendSerializationProxy,
                        in range: KeyGroupRange, maxParallelism: Int) -> [Int: [Pending]] {
        guard byIndex.contains(where: { $0 != nil }) else { return [:] }
        let hash: KeyHash
        do { hash = try KeyHash(proxy.keySerializer) } catch {
            for case let states? in byIndex { for entry in states.values { entry.matches.cannotInsert(entry.line, because: "\(error)") } }
            return [:]
        }
        var out: [Int: [Pending]] = [:]
        for (stateIndex, states) in byIndex.enumerated() {
            for (key, entry) in states ?? [:] {
                var at = 0
                guard let code = try? key.withUnsafeBufferPointer({ try hash.hashCode($0, at: &at) }) else {
                    entry.matches.cannotInsert(entry.line, because: "its key bytes do not read as the key type")
                    continue
                }
                let keyGroup = FlinkHashing.keyGroup(forHashCode: code, maxParallelism: maxParallelism)
                if range.contains(keyGroup) { out[keyGroup, default: []].append(Pending(stateIndex: stateIndex, key: key)) }
            }
        }
        // In canonical order already when inserted alone (the reader sorts them in anyway).
        for g in out.keys { out[g]!.sort { $0.stateIndex != $1.stateIndex ? $0.stateIndex < $1.stateIndex : $0.key.lexicographicallyPrecedes($1.key) } }
        return out
    }

    struct Pending: Hashable { var stateIndex: Int; var key: [UInt8] }

    final class Box: @unchecked Sendable {
        var value: [UInt8]?
        /// Upserted entries the current key group holds (cleared once its inserts are made).
        var matched = Set<Pending>()
    }
}

/// One line of an upsert file, encoded: its line number, the state's value bytes, and the lines
/// of its file matched so far.
struct UpsertEntry: Sendable, Equatable {
    var line: Int
    var value: [UInt8]
    var matches: UpsertMatches
}

/// The lines of an upsert file that replaced an entry's value or were inserted, over every
/// subtask's reader.
final class UpsertMatches: @unchecked Sendable, Equatable {
    let file: String
    /// Every line of the file: its number and the entry it names, for messages.
    let lines: [Int: String]
    private let lock = NSLock()
    private var matched = Set<Int>()
    private var inserted = Set<Int>()
    private var notInsertable: [Int: String] = [:]

    init(file: String, lines: [Int: String]) {
        self.file = file
        self.lines = lines
    }

    func add(_ line: Int) { _ = lock.withLock { matched.insert(line) } }
    func insert(_ line: Int) { _ = lock.withLock { inserted.insert(line) } }
    func cannotInsert(_ line: Int, because reason: String) { lock.withLock { notInsertable[line] = reason } }

    /// Whether the line replaced an entry's value (else it was inserted, or nothing).
    func replaced(_ line: Int) -> Bool { lock.withLock { matched.contains(line) } }
    func wasInserted(_ line: Int) -> Bool { lock.withLock { inserted.contains(line) } }

    /// Throws for the first line that neither replaced nor inserted an entry (once every subtask
    /// is read).
    func check() throws {
        let (matched, inserted, reasons) = lock.withLock { (self.matched, self.inserted, notInsertable) }
        guard let first = lines.keys.filter({ !matched.contains($0) && !inserted.contains($0) }).min() else { return }
        let why = reasons[first].map { "it cannot be inserted: \($0)" } ?? "no subtask with keyed state holds its key group"
        throw SavepointError.usage("--upsert: \(file):\(first): no entry of \(lines[first]!) exists, and \(why)")
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
