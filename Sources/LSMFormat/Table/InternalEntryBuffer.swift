/// The encoded internal key (user key ‖ 8-byte little-endian trailer `sequence << 8 | type`) of
/// the entry a table cursor stands on, in a reusable buffer: the lending walk rebuilds each
/// prefix-compressed key in it, so nothing is allocated per entry.
public struct InternalEntryBuffer: Sendable {
    /// The encoded internal key; at least `InternalKey.trailerSize` bytes once filled.
    var key = ByteScratch()
    /// `sequence << 8 | type`, read from the key by `keyFilled()`. Internal-key order is user key
    /// ascending, then trailer descending.
    private(set) var trailer: UInt64 = 0

    public init() {}

    var userKeyCount: Int { key.count - InternalKey.trailerSize }

    /// Reads the trailer of a key just filled in (at least 8 bytes).
    mutating func keyFilled() {
        trailer = key.withBytes { b in
            UInt64(littleEndian: UnsafeRawBufferPointer(b).loadUnaligned(fromByteOffset: b.count - 8, as: UInt64.self))
        }
    }

    var sequence: UInt64 { trailer >> 8 }
    var typeByte: UInt8 { UInt8(truncatingIfNeeded: trailer) }

    /// The decoded key, for messages.
    var internalKey: InternalKey {
        InternalKey(userKey: Array(key.array.prefix(userKeyCount)), sequence: sequence, typeByte: typeByte)
    }

    /// The user key in place.
    func withUserKey<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try key.withBytes { try body(UnsafeBufferPointer(rebasing: $0[0..<($0.count - InternalKey.trailerSize)])) }
    }

    /// -1, 0 or 1 as `a` sorts before, equal to or after `b` (bytewise, unsigned, a proper prefix first).
    @inlinable @inline(__always)
    static func compareBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let n = min(a.count, b.count)
        var i = 0
        if let pa = a.baseAddress, let pb = b.baseAddress {
            while i + 8 <= n {
                let x = UInt64(bigEndian: UnsafeRawPointer(pa + i).loadUnaligned(as: UInt64.self))
                let y = UInt64(bigEndian: UnsafeRawPointer(pb + i).loadUnaligned(as: UInt64.self))
                if x != y { return x < y ? -1 : 1 }
                i += 8
            }
            while i < n {
                if pa[i] != pb[i] { return pa[i] < pb[i] ? -1 : 1 }
                i += 1
            }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
}

extension InternalKey {
    init(userKey: [UInt8], sequence: UInt64, typeByte: UInt8) {
        self.userKey = userKey
        self.sequence = sequence
        self.typeByte = typeByte
    }
}
