/// CRC-32C (Castagnoli), as used by Snappy framing and RocksDB block trailers (Flink 1.x's
/// FRocksDB checksums every block with it; Flink 2's writes XXH3).
///
/// Slicing-by-8: eight bytes per step through eight 256-entry tables, about five times the
/// byte-at-a-time loop, which made CRC the largest cost of reading a snapshot-compressed
/// canonical savepoint (every byte of it is covered by a framing checksum).
public enum CRC32C {
    /// `tables[k][b]`: the CRC contribution of byte `b` followed by `k` zero bytes; table 0 is the
    /// classic byte-at-a-time table. Flattened: entry `k * 256 + b`.
    static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let previous = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (previous >> 8) ^ t[Int(previous & 0xFF)]
            }
        }
        return t
    }()

    public static func checksum(_ data: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
        var crc = ~initial
        guard let base = data.baseAddress, !data.isEmpty else { return initial }
        let n = data.count
        tables.withUnsafeBufferPointer { t in
            var i = 0
            while n - i >= 8 {
                let low = crc ^ UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt32.self))
                let high = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                crc = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                i += 8
            }
            while i < n {
                crc = t[Int((crc ^ UInt32(base.load(fromByteOffset: i, as: UInt8.self))) & 0xFF)] ^ (crc >> 8)
                i += 1
            }
        }
        return ~crc
    }

    public static func checksum(_ data: [UInt8]) -> UInt32 {
        data.withUnsafeBytes { checksum($0) }
    }

    /// The masked form stored by Snappy framing and LevelDB/RocksDB.
    public static func mask(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
