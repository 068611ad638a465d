import Bytes
import CanonicalFormat
import SavepointMetadata

/// What verification compares between input and output: per state, the number of entries and an
/// order-independent digest of their (key, value) bytes (a wrapping sum of 64-bit hashes), so two
/// forms that store the same entries in different orders agree.
public struct StateDigest: Equatable, Sendable, CustomStringConvertible {
    public struct PerState: Equatable, Sendable {
        public var entries: Int64 = 0
        public var hashSum: UInt64 = 0
    }

    /// By state name (state indexes may differ between proxies only if the writer reorders; names do not).
    public private(set) var states: [String: PerState] = [:]

    public init() {}

    public mutating func add(_ entry: RawKeyedEntry, stateName: String) {
        var s = states[stateName] ?? PerState()
        s.entries += 1
        s.hashSum &+= Self.hash(entry)
        states[stateName] = s
    }

    public mutating func merge(_ other: StateDigest) {
        for (name, s) in other.states {
            var mine = states[name] ?? PerState()
            mine.entries += s.entries
            mine.hashSum &+= s.hashSum
            states[name] = mine
        }
    }

    public var totalEntries: Int64 { states.values.reduce(0) { $0 + $1.entries } }

    /// Key and value hashed apart and combined, so moving a byte between them changes the digest.
    static func hash(_ e: RawKeyedEntry) -> UInt64 {
        let k = XXHash.xxh64(e.key, seed: 0x5356_5054)
        let v = XXHash.xxh64(e.value, seed: k)
        return v ^ (k &* 0x9E37_79B9_7F4A_7C15)
    }

    public var description: String {
        states.keys.sorted().map { "\($0): \(states[$0]!.entries) entries, digest \(String(states[$0]!.hashSum, radix: 16))" }
            .joined(separator: "; ")
    }

    /// The differences, in words, or nil when equal.
    public static func difference(input: StateDigest, output: StateDigest) -> String? {
        guard input != output else { return nil }
        var out: [String] = []
        for name in Set(input.states.keys).union(output.states.keys).sorted() {
            let a = input.states[name] ?? PerState(), b = output.states[name] ?? PerState()
            if a.entries != b.entries {
                out.append("state '\(name)': \(a.entries) entries in the input, \(b.entries) in the output")
            } else if a.hashSum != b.hashSum {
                out.append("state '\(name)': the same \(a.entries) entries count but different key/value bytes")
            }
        }
        return out.joined(separator: "; ")
    }
}

/// Passes a reader's key groups through while adding every entry to a digest: the input is
/// digested during the one pass that writes the output.
struct DigestingReader<Base: RawKeyedStateReader>: RawKeyedStateReader {
    let base: Base
    let sink: DigestBox

    var proxy: KeyedBackendSerializationProxy { base.proxy }
    var keyGroupRange: KeyGroupRange { base.keyGroupRange }
    var maxParallelism: Int { base.maxParallelism }

    func forEachKeyGroup(_ body: (_ keyGroup: Int, _ entries: [RawKeyedEntry]) throws -> Void) throws {
        let names = base.proxy.states.map(\.name)
        try base.forEachKeyGroup { keyGroup, entries in
            for e in entries { sink.digest.add(e, stateName: names.indices.contains(e.stateIndex) ? names[e.stateIndex] : "#\(e.stateIndex)") }
            try body(keyGroup, entries)
        }
    }
}

/// A digest shared between a reader and its caller.
final class DigestBox {
    var digest = StateDigest()
}

extension RawKeyedStateReader {
    /// Reads everything and digests it.
    func digest() throws -> StateDigest {
        let box = DigestBox()
        try DigestingReader(base: self, sink: box).forEachKeyGroup { _, _ in }
        return box.digest
    }
}
