/// A copy of a few bytes between buffers that do not overlap: keys and values, mostly 4 to 32
/// bytes, as two overlapping loads and stores of a word (or of two) rather than a call of
/// `memmove` per key and per value; longer copies call it.
public enum SmallCopy {
    @inlinable @inline(__always)
    public static func copy(_ from: UnsafePointer<UInt8>, to: UnsafeMutablePointer<UInt8>, count n: Int) {
        let s = UnsafeRawPointer(from), d = UnsafeMutableRawPointer(to)
        switch n {
        case 8...16:
            let (a, b) = (s.loadUnaligned(as: UInt64.self), s.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self))
            d.storeBytes(of: a, as: UInt64.self)
            d.storeBytes(of: b, toByteOffset: n - 8, as: UInt64.self)
        case 17...32:
            let (a, b) = (s.loadUnaligned(as: UInt64.self), s.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            let (c, e) = (s.loadUnaligned(fromByteOffset: n - 16, as: UInt64.self), s.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self))
            d.storeBytes(of: a, as: UInt64.self)
            d.storeBytes(of: b, toByteOffset: 8, as: UInt64.self)
            d.storeBytes(of: c, toByteOffset: n - 16, as: UInt64.self)
            d.storeBytes(of: e, toByteOffset: n - 8, as: UInt64.self)
        case 4..<8:
            let (a, b) = (s.loadUnaligned(as: UInt32.self), s.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
            d.storeBytes(of: a, as: UInt32.self)
            d.storeBytes(of: b, toByteOffset: n - 4, as: UInt32.self)
        case 0..<4:
            for i in 0..<n { to[i] = from[i] }
        default:
            to.update(from: from, count: n)
        }
    }
}
