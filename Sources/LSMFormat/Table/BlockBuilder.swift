import Bytes

/// Builds one block in RocksDB's generic block format, the mirror of `Block`/`BlockCursor`
/// (`table/block_based/block_builder.cc`): entries prefix-compressed against the previous key,
/// a full key every `restartInterval` entries, then the restart array and its count.
///
/// It also keeps RocksDB's running size estimate, because the table builder decides where a
/// data block ends from it (`CurrentSizeEstimate`, `EstimateSizeAfterKV`); matching it exactly is
/// what makes our block boundaries equal to FRocksDB's.
struct BlockBuilder: Sendable {
    let restartInterval: Int
    /// Index blocks of format_version ≥ 4: no value length in the header, and a non-restart
    /// entry stores only the caller's delta value.
    let valueDeltaEncoding: Bool

    private var buffer: [UInt8] = []
    private var restarts: [UInt32] = [0]
    /// Entries since the last restart.
    private var counter = 0
    private var lastKey: [UInt8] = []
    /// RocksDB's estimate: entry bytes plus 4 per restart plus the 4-byte count.
    private(set) var sizeEstimate = 8

    init(restartInterval: Int, valueDeltaEncoding: Bool = false) {
        self.restartInterval = max(1, restartInterval)
        self.valueDeltaEncoding = valueDeltaEncoding
        buffer.reserveCapacity(4096 + 512)
    }

    var isEmpty: Bool { buffer.isEmpty }
    private var restartDue: Bool { counter >= restartInterval }

    /// Appends an entry; keys must arrive in the block's order (the caller checks).
    /// `deltaValue` is what a value-delta-encoded block stores for a non-restart entry.
    mutating func add<K: Collection, V: Collection>(_ key: K, _ value: V, deltaValue: [UInt8]? = nil)
    where K.Element == UInt8, V.Element == UInt8 {
        add(Array(key), Array(value), deltaValue: deltaValue)
    }

    /// The same for arrays.
    mutating func add(_ key: [UInt8], _ value: [UInt8], deltaValue: [UInt8]? = nil) {
        key.withUnsafeBufferPointer { k in value.withUnsafeBufferPointer { v in add(k, v, deltaValue: deltaValue) } }
    }

    /// The same for bytes in place: the path every table write takes, kept free of generic
    /// dispatch and of allocation (it runs once per entry and is called from other modules).
    mutating func add(_ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>, deltaValue: [UInt8]? = nil) {
        let before = buffer.count
        var shared = 0
        if restartDue {
            restarts.append(UInt32(truncatingIfNeeded: buffer.count))
            sizeEstimate += 4
            counter = 0
        } else {
            shared = lastKey.withUnsafeBufferPointer { commonPrefixLength($0, key) }
        }
        let nonShared = key.count - shared
        appendVarint(UInt32(shared))
        appendVarint(UInt32(nonShared))
        let storesDelta = valueDeltaEncoding && shared != 0 && deltaValue != nil
        if !valueDeltaEncoding { appendVarint(UInt32(value.count)) }
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: key[shared...]))
        if storesDelta, let deltaValue { buffer += deltaValue } else { buffer.append(contentsOf: value) }
        lastKey.removeAll(keepingCapacity: true)
        lastKey.append(contentsOf: key)
        counter += 1
        sizeEstimate += buffer.count - before
    }

    /// RocksDB's guess of the size after adding `(keySize, valueSize)`: the whole key (not just
    /// the unshared part), the value (half of it for a delta-encoded index entry), 4 bytes for
    /// the shared length, the varints of the key and value lengths, and 4 for a new restart.
    func estimatedSize(afterAddingKeySize keySize: Int, valueSize: Int) -> Int {
        var estimate = sizeEstimate + keySize
        let fullValue = !valueDeltaEncoding || restartDue
        estimate += fullValue ? valueSize : valueSize / 2
        if restartDue { estimate += 4 }
        estimate += 4 + varintLength(UInt64(keySize))
        if fullValue { estimate += varintLength(UInt64(valueSize)) }
        return estimate
    }

    /// The finished block (entries ‖ restarts ‖ count); the builder is reset for the next block.
    mutating func finish() -> [UInt8] {
        var out = buffer
        out.reserveCapacity(buffer.count + 4 * restarts.count + 4)
        for r in restarts { appendFixed32(r, to: &out) }
        appendFixed32(UInt32(restarts.count), to: &out)
        reset()
        return out
    }

    mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        restarts = [0]
        counter = 0
        lastKey.removeAll(keepingCapacity: true)
        sizeEstimate = 8
    }

    private mutating func appendVarint(_ v: UInt32) {
        var v = v
        while v >= 0x80 { buffer.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        buffer.append(UInt8(v))
    }
}

func appendFixed32(_ v: UInt32, to out: inout [UInt8]) {
    for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
}

func varintLength(_ v: UInt64) -> Int {
    var v = v
    var n = 1
    while v >= 0x80 { v >>= 7; n += 1 }
    return n
}

func commonPrefixLength<A: Collection, B: Collection>(_ a: A, _ b: B) -> Int
where A.Element == UInt8, B.Element == UInt8 {
    var n = 0
    for (x, y) in zip(a, b) {
        guard x == y else { break }
        n += 1
    }
    return n
}

func commonPrefixLength(_ a: [UInt8], _ b: [UInt8]) -> Int {
    a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in commonPrefixLength(x, y) } }
}

func commonPrefixLength(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Int {
    let n = min(x.count, y.count)
    var i = 0
    while i < n, x[i] == y[i] { i += 1 }
    return i
}
