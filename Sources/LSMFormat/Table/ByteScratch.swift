/// A reusable byte buffer: an array used as storage plus a separate length, so emptying and
/// refilling it per entry is a length change and a `memcpy`, never `Array.replaceSubrange`
/// (which `removeAll(keepingCapacity:)` calls, and which dominated a table scan).
@usableFromInline
struct ByteScratch: Sendable {
    @usableFromInline var storage: [UInt8] = []
    @usableFromInline private(set) var count = 0

    @usableFromInline
    init() {}

    var isEmpty: Bool { count == 0 }

    /// Makes room for `n` bytes in all.
    @inline(__always)
    private mutating func reserve(_ n: Int) {
        if storage.count < n { storage.append(contentsOf: repeatElement(0, count: max(n, 2 * storage.count, 64) - storage.count)) }
    }

    mutating func removeAll() { count = 0 }

    mutating func truncate(to n: Int) { count = min(count, max(0, n)) }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        let at = count, n = bytes.count
        reserve(at + n)
        storage.withUnsafeMutableBufferPointer { dst in
            let to = dst.baseAddress! + at
            // A key's new suffix is mostly short: two overlapping words, not a call of `memcpy`
            // (which cost more than the copy, once per table entry).
            if (8...16).contains(n) {
                let first = UnsafeRawPointer(source).loadUnaligned(as: UInt64.self)
                let last = UnsafeRawPointer(source + (n - 8)).loadUnaligned(as: UInt64.self)
                UnsafeMutableRawPointer(to).storeBytes(of: first, as: UInt64.self)
                UnsafeMutableRawPointer(to + (n - 8)).storeBytes(of: last, as: UInt64.self)
            } else {
                to.update(from: source, count: n)
            }
        }
        count = at + n
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        append(bytes.assumingMemoryBound(to: UInt8.self))
    }

    mutating func append(_ byte: UInt8) {
        reserve(count + 1)
        storage[count] = byte
        count += 1
    }

    /// Appends bytes `range` of another scratch buffer.
    mutating func append(_ other: ByteScratch, _ range: Range<Int>) {
        other.withBytes { append(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    @usableFromInline
    mutating func set(_ bytes: UnsafeBufferPointer<UInt8>) {
        count = 0
        append(bytes)
    }

    @inlinable
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<count])) }
    }

    var array: [UInt8] { Array(storage[0..<count]) }
}
