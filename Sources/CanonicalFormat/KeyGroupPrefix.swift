/// The big-endian key-group prefix every composite key starts with (1 byte up to 128 key groups,
/// else 2), in canonical streams and RocksDB column families alike.
public enum KeyGroupPrefix {
    /// The key group a key's prefix names; nil when the key is shorter than the prefix.
    @inlinable @inline(__always)
    public static func keyGroup(of key: UnsafeBufferPointer<UInt8>, prefixBytes: Int) -> Int? {
        guard key.count >= prefixBytes, prefixBytes > 0, let p = key.baseAddress else { return nil }
        // Flink's two widths without a loop (this runs once per entry read).
        switch prefixBytes {
        case 1: return Int(p[0])
        case 2: return Int(p[0]) << 8 | Int(p[1])
        default:
            var group = 0
            for i in 0..<prefixBytes { group = group << 8 | Int(p[i]) }
            return group
        }
    }
}
