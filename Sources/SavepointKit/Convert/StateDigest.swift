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

        mutating func add(hash: UInt64) {
            entries += 1
            hashSum &+= hash
        }
    }

    /// By state name (state indexes may differ between proxies only if the writer reorders; names do not).
    public private(set) var states: [String: PerState] = [:]

    public init() {}

    mutating func add(_ s: PerState, stateName: String) {
        states[stateName, default: PerState()].entries += s.entries
        states[stateName, default: PerState()].hashSum &+= s.hashSum
    }

    public mutating func merge(_ other: StateDigest) {
        for (name, s) in other.states {
            var mine = states[name] ?? PerState()
            mine.entries += s.entries
            mine.hashSum &+= s.hashSum
            states[name] = mine
        }
    }

    /// Key (its key group, then the bytes after the key-group prefix) and value hashed in a chain,
    /// so moving a byte between them changes the digest. Taking the key apart lets a canonical
    /// stream be digested in place, where the prefix's first byte carries a flag bit.
    @inline(__always)
    static func hash(keyGroup: Int, keyAfterPrefix: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> UInt64 {
        // FoldHash, not XXH3: at the 10–30 bytes of a typical key or value, XXH3's dispatch and
        // secret loads made the two digests of a conversion a fifth of its CPU time.
        let k = FoldHash.hash(UnsafeRawBufferPointer(keyAfterPrefix), seed: UInt64(truncatingIfNeeded: keyGroup))
        return FoldHash.hash(UnsafeRawBufferPointer(value), seed: k)
    }

    static func hash(key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>, keyGroupPrefixBytes: Int) -> UInt64 {
        let n = min(keyGroupPrefixBytes, key.count)
        var keyGroup = 0
        for i in 0..<n { keyGroup = keyGroup << 8 | Int(key[i]) }
        return hash(keyGroup: keyGroup, keyAfterPrefix: UnsafeBufferPointer(rebasing: key[n...]), value: value)
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

    func forEachKeyGroup(_ body: (_ group: RawKeyGroup) throws -> Void) throws {
        try base.forEachKeyGroup { group in
            sink.add(group)
            try body(group)
        }
    }
}

/// A digest shared between a reader and its caller, summed per state index while reading (no
/// lookup by name per entry) and named once at the end.
final class DigestBox {
    private let names: [String]
    let keyGroupPrefixBytes: Int
    private var perIndex: [StateDigest.PerState]

    init(stateNames: [String], keyGroupPrefixBytes: Int) {
        names = stateNames
        self.keyGroupPrefixBytes = keyGroupPrefixBytes
        perIndex = Array(repeating: StateDigest.PerState(), count: stateNames.count)
    }

    convenience init(for reader: some RawKeyedStateReader) {
        self.init(stateNames: reader.proxy.states.map(\.name),
                  keyGroupPrefixBytes: FlinkHashing.keyGroupPrefixBytes(maxParallelism: reader.maxParallelism))
    }

    /// Adds entries handed over one by one (in place): `add` calls with the running sums.
    func adding(_ body: (_ add: (_ stateIndex: Int, _ hash: UInt64) -> Void) throws -> Void) rethrows {
        var sums = perIndex
        perIndex = []
        defer { perIndex = sums }
        try body { stateIndex, hash in
            if stateIndex >= sums.count {
                sums += Array(repeating: StateDigest.PerState(), count: stateIndex + 1 - sums.count)
            }
            sums[stateIndex].add(hash: hash)
        }
    }

    /// Summed through `adding` (a local copy): a class property mutated per entry costs an
    /// exclusivity check each.
    func add(_ group: RawKeyGroup) {
        let prefixBytes = keyGroupPrefixBytes
        adding { add in
            group.forEach { stateIndex, key, value in
                add(stateIndex, StateDigest.hash(key: key, value: value, keyGroupPrefixBytes: prefixBytes))
            }
        }
    }

    var digest: StateDigest {
        var d = StateDigest()
        for (i, s) in perIndex.enumerated() where s.entries > 0 {
            d.add(s, stateName: i < names.count ? names[i] : "#\(i)")
        }
        return d
    }
}

extension RawKeyedStateReader {
    /// Reads everything and digests it (what verification does with the written output).
    public func digest() throws -> StateDigest { try digestByKeyGroup() }

    func digestByKeyGroup() throws -> StateDigest {
        let box = DigestBox(for: self)
        try DigestingReader(base: self, sink: box).forEachKeyGroup { _ in }
        return box.digest
    }
}
