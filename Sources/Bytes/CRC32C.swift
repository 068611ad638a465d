/// CRC-32C (Castagnoli), as used by Snappy framing and RocksDB block trailers.
public enum CRC32C {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    public static func checksum(_ data: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
        var crc = ~initial
        table.withUnsafeBufferPointer { t in
            for b in data { crc = t[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
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
