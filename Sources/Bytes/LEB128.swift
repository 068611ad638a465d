/// LEB128 varints read in place, for the hot loops that parse well-formed bytes without a
/// `ByteReader` (SST block entries, direct JSON rendering, key hashing). The reader-based
/// `ByteReader.readVarUInt32` is the one that reports errors.
public enum LEB128 {
    /// The unsigned varint of at most 32 bits at `base[i]`, read no further than `end`, as
    /// `ByteReader.readVarUInt32` reads it; advances `i`. Nil where that would throw: cut short at
    /// `end`, or more than 32 bits.
    @inlinable @inline(__always)
    public static func uint32(_ base: UnsafePointer<UInt8>, at i: inout Int, end: Int) -> UInt32? {
        // One byte (below 128) is nearly every varint in a block or a string length: read inline,
        // the rest out of line.
        if i < end, base[i] < 0x80 {
            let byte = base[i]
            i &+= 1
            return UInt32(byte)
        }
        return multiByteUInt32(base, at: &i, end: end)
    }

    @usableFromInline
    static func multiByteUInt32(_ base: UnsafePointer<UInt8>, at i: inout Int, end: Int) -> UInt32? {
        var result: UInt32 = 0
        var shift: UInt32 = 0
        while i < end {
            let byte = base[i]
            i += 1
            if shift == 28, byte > 0x0F { return nil }
            result |= UInt32(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }

    /// The unsigned varint of at most 64 bits at `base[i]`, as `ByteReader.readVarUInt64` reads
    /// it (at most ten bytes, the tenth 0 or 1), read no further than `end`; advances `i`. Nil
    /// where that would throw.
    @inlinable
    public static func uint64(_ base: UnsafePointer<UInt8>, at i: inout Int, end: Int) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while i < end {
            let byte = base[i]
            i &+= 1
            if shift == 63, byte > 1 { return nil }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift &+= 7
        }
        return nil
    }
}
