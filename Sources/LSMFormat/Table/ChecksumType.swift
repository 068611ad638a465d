import Bytes

/// The checksum in every block trailer (`ChecksumType`, `include/rocksdb/table.h`), chosen per
/// table in the footer. FRocksDB 6.20 (Flink 1.x) defaults to CRC32c, 8.10 (Flink 2.x) to XXH3.
public enum ChecksumType: UInt8, Sendable, CustomStringConvertible {
    case none = 0
    case crc32c = 1
    case xxHash = 2
    case xxHash64 = 3
    case xxh3 = 4

    public var description: String {
        switch self {
        case .none: "none"
        case .crc32c: "crc32c"
        case .xxHash: "xxHash"
        case .xxHash64: "xxHash64"
        case .xxh3: "XXH3"
        }
    }

    /// The stored checksum of `block` (the bytes as stored, possibly compressed) followed by the
    /// trailer's compression type byte (`ComputeBuiltinChecksumWithLastByte`, `table/format.cc`).
    public func checksum(_ block: UnsafeRawBufferPointer, lastByte: UInt8) -> UInt32 {
        switch self {
        case .none:
            return 0
        case .crc32c:
            let crc = withUnsafeBytes(of: lastByte) { CRC32C.checksum($0, initial: CRC32C.checksum(block)) }
            return CRC32C.mask(crc)
        case .xxHash:
            return XXHash.xxh32(Self.joined(block, lastByte))
        case .xxHash64:
            return UInt32(truncatingIfNeeded: XXHash.xxh64(Self.joined(block, lastByte)))
        case .xxh3:
            // XXH3 hashes the block alone and folds the type byte in with a multiplier, so the
            // block need not be copied to append one byte.
            let h = UInt32(truncatingIfNeeded: XXHash.xxh3_64(block))
            return h ^ (UInt32(lastByte) &* Self.xxh3LastByteMultiplier)
        }
    }

    static let xxh3LastByteMultiplier: UInt32 = 0x6B90_83D9

    private static func joined(_ block: UnsafeRawBufferPointer, _ lastByte: UInt8) -> [UInt8] {
        var bytes = [UInt8](block)
        bytes.append(lastByte)
        return bytes
    }

    /// format_version ≥ 6 adds a per-block modifier so a block copied to another offset fails
    /// (`ChecksumModifierForContext`, `table/format.h`); 0 for older tables.
    public static func contextModifier(base: UInt32, offset: UInt64) -> UInt32 {
        guard base != 0 else { return 0 }
        return base ^ (UInt32(truncatingIfNeeded: offset) &+ UInt32(truncatingIfNeeded: offset >> 32))
    }
}
