import Bytes
import CanonicalFormat
import FlinkSerialization
import Foundation
import SavepointMetadata

/// `--delete-keys OP=FILE` and `--keep-keys OP=FILE`: every entry of the operator's keyed states
/// (timers included) whose key is in `delete`, or not in `keep`, leaves the savepoint. Keys are
/// compared as dump-schema JSON (`"k42"`, `42`, `["a", 1]`), as `dump --key` compares them: the
/// key is read from the canonical key with the key serializer and rendered as JSON.
///
/// Where the key sits: right after the key-group prefix, except in timers (Flink's
/// `TimerSerializer`), whose key follows the 8-byte timestamp.
struct KeyFilterStage: KeyedEntryStage {
    /// Keys to drop; nil: none.
    let delete: Set<JSONValue>?
    /// Keys to keep (the others are dropped); nil: all.
    let keep: Set<JSONValue>?

    func bound(to input: KeyedBackendSerializationProxy, keyGroupPrefixBytes: Int) throws -> BoundEntryStage {
        let keySerializer = input.keySerializer.restoreSerializer()
        guard !keySerializer.readsToEnd else {
            throw SavepointError.unsupported("--delete-keys/--keep-keys: the key type \(input.keySerializer.typeDescription) is read to the end of its bytes (Kryo or unknown), so its keys cannot be told apart from namespaces")
        }
        let keyStart = input.states.map { keyGroupPrefixBytes + ($0.backendStateType == .priorityQueue ? 8 : 0) }
        let (delete, keep) = (self.delete, self.keep)
        var last: (bytes: [UInt8], passes: Bool)?
        return BoundEntryStage(proxy: input) { stateIndex, key, _ in
            let start = keyStart[stateIndex]
            guard key.count > start else {
                throw SavepointError.unsupported("an entry of state \(input.states[stateIndex].name) whose key is shorter than its prefix")
            }
            let bytes = Array(key[start...])
            if let last, bytes.starts(with: last.bytes) { return last.passes ? stateIndex : nil }
            var r = ByteReader(bytes)
            var text: [UInt8] = []
            try JSONEmitter.append(to: &text) { try keySerializer.appendJSON(from: &r, to: &$0) }
            guard let json = JSONValue.parse(text) else { return stateIndex }
            let passes = !(delete?.contains(json) ?? false) && (keep?.contains(json) ?? true)
            last = (Array(bytes[..<r.position]), passes)
            return passes ? stateIndex : nil
        }
    }

    /// The keys of a file: one dump-schema JSON value a line (blank lines skipped); a line that is
    /// not JSON, or whose JSON type the key type can never have, is an error naming file and line.
    static func readKeys(_ path: String, option: String, keyType: String?) throws -> Set<JSONValue> {
        let data = try RewritePlan.contents(of: path)
        let expected = keyType.flatMap(KeyJSONKind.init(keyType:))
        var keys = Set<JSONValue>()
        for (n, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let text = Array(line.last == 0x0D ? line.dropLast() : line[...])
            guard text.contains(where: { ![0x20, 0x09].contains($0) }) else { continue }
            guard let key = JSONValue.parse(text) else {
                throw SavepointError.usage("\(option): \(path):\(n + 1): not a JSON value (a key as dump prints it, e.g. \"k42\" or 42)")
            }
            if let expected, let keyType, !expected.accepts(key) {
                throw SavepointError.usage("\(option): \(path):\(n + 1): \(key.text) is \(KeyJSONKind.describe(key)), but the key type is \(keyType): give \(expected.example)")
            }
            keys.insert(key)
        }
        return keys
    }
}
