import Bytes
import Foundation
import CanonicalFormat
import FlinkSerialization
import SavepointMetadata

/// What the deep checks need per state of one keyed stream, built once per stream.
struct KeyedCheckContext {
    let schemas: [KeyedStateSchema]
    /// The direct JSON renderer of each state (nil: decode its entries). It reads exactly the bytes
    /// decoding reads and fails where decoding fails, so walking an entry's line (into a
    /// `CheckOnlySink` in place, else into a scratch buffer) validates it without building its `Value`s.
    let renderers: [CanonicalEntryJSON?]
    /// How to hash each state's keys from their bytes (nil: from the decoded key).
    let hashers: [KeyHash?]
    /// The serializer of the key inside the composite key (the timer's key for timers), and where
    /// the key starts after the key-group prefix (after the 8-byte timestamp for timers).
    let keySerializers: [any TypeSerializer]
    let keyOffsets: [Int]
    /// The check in place of each state's entries with the commonest serializers (nil: the
    /// renderer's, else decoding; see `InPlaceEntryCheck`).
    let programs: [InPlaceEntryCheck?]
    let op: OperatorState
    let subtask: Int
    let file: String

    init(schemas: [KeyedStateSchema], op: OperatorState, subtask: Int, file: String, inPlace: Bool = true) {
        self.schemas = schemas
        self.op = op
        self.subtask = subtask
        self.file = file
        renderers = schemas.map { CanonicalEntryJSON(schema: $0, header: []) }
        var hashers: [KeyHash?] = [], keySerializers: [any TypeSerializer] = [], offsets: [Int] = []
        for schema in schemas {
            let timer = schema.kind == .timer ? schema.stateSerializer as? TimerSerializer : nil
            let key = timer?.key ?? schema.keySerializer
            // The hash follows the state's key serializer (as `javaHashCode(of:)` does): bytes only
            // when the key inside the entry is of the same kind.
            let hasher = KeyHash(key)
            hashers.append(hasher != nil && hasher == KeyHash(schema.keySerializer) ? hasher : nil)
            keySerializers.append(key)
            offsets.append(timer == nil ? 0 : 8)
        }
        self.hashers = hashers
        self.keySerializers = keySerializers
        keyOffsets = offsets
        programs = zip(schemas, hashers).map { inPlace ? InPlaceEntryCheck(schema: $0, hasher: $1) : nil }
    }
}

extension Validator {
    /// One well-framed entry in place (key after its prefix, value): validated by its state's
    /// simple renderer and its key hashed from its bytes. False, with nothing checked or counted,
    /// sends the entry to `checkEntry`.
    mutating func checkEntryInPlace(key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>,
                                    stateIndex: Int, keyGroup: Int, _ c: KeyedCheckContext) -> Bool {
        guard let renderer = c.renderers[stateIndex] else { return false }
        return checkEntryInPlace(key: key, value: value, stateIndex: stateIndex, keyGroup: keyGroup,
                                 renderer: Unmanaged.passUnretained(renderer), hasher: c.hashers[stateIndex], c)
    }

    /// `checkEntryInPlace` with the state's renderer and hasher looked up by the caller, once per
    /// state (held unretained: the context keeps the renderer alive; a lookup per entry retains it).
    mutating func checkEntryInPlace(key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>,
                                    stateIndex: Int, keyGroup: Int, renderer: Unmanaged<CanonicalEntryJSON>,
                                    hasher: borrowing KeyHash?, _ c: KeyedCheckContext) -> Bool {
        // Borrowed, not bound: a copy of the hasher per entry costs its outlined copy and destroy.
        guard hasher != nil,
              renderer._withUnsafeGuaranteedRef({ $0.rendersSimply(key: key, value: value) })
        else { return false }
        return checkKeyBytes(key, keyGroup: keyGroup, stateIndex: stateIndex, hasher: hasher, c)
    }

    /// One entry: validated by rendering it (or, failing that, by decoding it, which gives the
    /// error), then its key group recomputed. `blockKeyGroup` locates decoding errors.
    mutating func checkEntry(_ raw: inout CanonicalKeyGroupBlock.RawEntry, blockKeyGroup: Int, _ c: KeyedCheckContext) {
        let stateIndex = raw.stateIndex
        let schema = c.schemas[stateIndex]
        if let renderer = c.renderers[stateIndex], let hasher = c.hashers[stateIndex] {
            let keyAt = raw.keyAfterPrefix.position, valueAt = raw.value.position
            scratch.removeAll(keepingCapacity: true)
            let valid = (try? renderer.append(&raw, to: &scratch)) != nil
            try? raw.keyAfterPrefix.seek(to: keyAt)
            try? raw.value.seek(to: valueAt)
            if valid, checkKeyBytes(of: raw, hasher: hasher, c) { return }
        }
        do {
            let entry = try schema.decodeCanonical(raw)
            if let hasher = c.hashers[stateIndex], checkKeyBytes(of: raw, hasher: hasher, c) { return }
            checkKey(entry, schema: schema, op: c.op, subtask: c.subtask, file: c.file)
        } catch {
            report(.undecodableEntry, error, op: c.op, subtask: c.subtask, state: schema.metaInfo.name,
                   keyGroup: blockKeyGroup, file: c.file, prefix: "an entry does not decode with its serializer")
        }
    }

    mutating func checkKeyBytes(of raw: CanonicalKeyGroupBlock.RawEntry, hasher: KeyHash, _ c: KeyedCheckContext) -> Bool {
        let r = raw.keyAfterPrefix
        return r.storage.withUnsafeBufferPointer { all in
            guard let base = all.baseAddress, r.index <= r.end else { return false }
            return checkKeyBytes(UnsafeBufferPointer(start: base + r.index, count: r.end - r.index),
                                 keyGroup: raw.keyGroup, stateIndex: raw.stateIndex, hasher: hasher, c)
        }
    }

    /// `checkKey` from the key's bytes: the same count, the same one check per run of equal keys,
    /// the same finding. False (nothing counted) when the bytes hold no key of the hasher's type.
    mutating func checkKeyBytes(_ keyAfterPrefix: UnsafeBufferPointer<UInt8>, keyGroup: Int, stateIndex: Int,
                                hasher: borrowing KeyHash?, _ c: KeyedCheckContext) -> Bool {
        let offset = c.keyOffsets[stateIndex]
        guard keyAfterPrefix.count >= offset else { return false }
        let rest = UnsafeBufferPointer(rebasing: keyAfterPrefix[offset...])
        // Map and list entries repeat their key: bytes that start with the last key's (a key's
        // encoding says where it ends) hold that key, read and hashed already.
        if lastKeyBytes.group == keyGroup, lastKeyBytes.isPrefix(of: rest) {
            checked.keyedEntries += 1
            return true
        }
        guard let key = hasher?.read(rest) else { return false }
        let bytes = UnsafeBufferPointer(rebasing: keyAfterPrefix[offset..<(offset + key.length)])
        checked.keyedEntries += 1
        // Other bytes than the last key's (those would have been a prefix of `rest`): the same key
        // only when bytes do not decide (a non-ASCII string equal as a `Value`).
        if lastKeyBytes.group == keyGroup, !(key.bytesDecideEquality && lastKeyBytes.exact),
           decodesToLastKey(bytes, serializer: c.keySerializers[stateIndex]) { return true }
        lastKeyBytes.set(bytes)
        lastKeyBytes.group = keyGroup
        lastKeyBytes.exact = key.bytesDecideEquality
        let maxP = c.op.maxParallelism
        guard maxP >= 1, let hash = key.hash else { return true }
        checked.keysHashChecked += 1
        // `FlinkHashing.keyGroup(forHashCode:maxParallelism:)`; the murmur hash is not negative,
        // so a power-of-two max parallelism (Flink's default ones) takes its low bits, not a division.
        let murmur = Int(FlinkHashing.murmurHash(hash))
        let expected = maxP & (maxP - 1) == 0 ? murmur & (maxP - 1) : murmur % maxP
        guard expected != keyGroup else { return true }
        reportKeyGroupMismatch(bytes, keyGroup: keyGroup, expected: expected, stateIndex: stateIndex, c)
        return true
    }

    /// The finding of a key whose bytes hash to another key group. Out of line: the per-entry
    /// path above stays small (inlined, its message building made its frame a kilobyte).
    @inline(never)
    mutating func reportKeyGroupMismatch(_ bytes: UnsafeBufferPointer<UInt8>, keyGroup: Int, expected: Int,
                                         stateIndex: Int, _ c: KeyedCheckContext) {
        let value = (try? c.keySerializers[stateIndex].decode(Array(bytes))) ?? .raw(Array(bytes))
        reportKeyGroupMismatch(value, keyGroup: keyGroup, expected: expected, schema: c.schemas[stateIndex],
                               op: c.op, subtask: c.subtask, file: c.file)
    }

    /// Whether a key of other bytes than the last one hashed equals it as their decoded `Value`s compare.
    @inline(never)
    func decodesToLastKey(_ bytes: UnsafeBufferPointer<UInt8>, serializer: any TypeSerializer) -> Bool {
        guard let last = try? serializer.decode(lastKeyBytes.array),
              let current = try? serializer.decode(Array(bytes)) else { return false }
        return last == current
    }
}

/// The last key hashed from its bytes (`Validator.checkKeyBytes`), the byte-level twin of
/// `Validator.lastHashedKey`. Its storage keeps its size and `count` says how much of it holds the
/// key: replacing the key per entry is a `memcpy`, not `Array.replaceSubrange`.
struct LastKeyBytes {
    private var storage: [UInt8] = []
    private(set) var count = 0
    /// -1: none yet.
    var group = -1
    var exact = true

    var array: [UInt8] { Array(storage[0..<count]) }

    /// Copies the key's `count` bytes to `to`.
    func copyBytes(to: UnsafeMutablePointer<UInt8>) {
        storage.withUnsafeBufferPointer { if count > 0 { to.update(from: $0.baseAddress!, count: count) } }
    }

    mutating func set(_ bytes: UnsafeBufferPointer<UInt8>) {
        if storage.count < bytes.count { storage = Array(repeating: 0, count: max(64, 2 * bytes.count)) }
        count = bytes.count
        guard let from = bytes.baseAddress else { return }
        let n = bytes.count
        storage.withUnsafeMutableBufferPointer { to in
            // The commonest keys (a short string, a long) take two overlapping words, not a
            // call of `memcpy`, which cost more than the copy.
            if (8...16).contains(n) {
                let (first, last) = (Self.word(from, 0), Self.word(from, n - 8))
                UnsafeMutableRawPointer(to.baseAddress!).storeBytes(of: first, as: UInt64.self)
                UnsafeMutableRawPointer(to.baseAddress!).storeBytes(of: last, toByteOffset: n - 8, as: UInt64.self)
            } else {
                to.baseAddress!.update(from: from, count: n)
            }
        }
    }

    /// Whether `bytes` start with the last key's bytes (false when there is none).
    func isPrefix(of bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard count > 0, bytes.count >= count, let b = bytes.baseAddress else { return false }
        let n = count
        return storage.withUnsafeBufferPointer { s in
            // As in `set`: two overlapping words for the commonest keys, `memcmp` for the rest.
            if (8...16).contains(n) {
                return Self.word(s.baseAddress!, 0) == Self.word(b, 0) && Self.word(s.baseAddress!, n - 8) == Self.word(b, n - 8)
            }
            return memcmp(s.baseAddress!, b, n) == 0
        }
    }

    @inline(__always)
    private static func word(_ p: UnsafePointer<UInt8>, _ at: Int) -> UInt64 {
        UnsafeRawPointer(p + at).loadUnaligned(as: UInt64.self)
    }
}
