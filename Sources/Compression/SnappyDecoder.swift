/// Decodes the elements of a raw Snappy block (Snappy's `format_description.txt`): after the
/// varint32 of the uncompressed length, a sequence of
/// ```
/// literal : tag (len-1) << 2 | 00            len 1…60, the bytes follow
///           tag (59+n) << 2 | 00, n bytes LE  len-1 in 1…4 bytes, the bytes follow
/// copy 1  : tag (off>>8) << 5 | (len-4) << 2 | 01, off & 0xFF     len 4…11, offset < 2048
/// copy 2  : tag (len-1) << 2 | 10, off as 2 bytes LE              len 1…64
/// copy 4  : tag (len-1) << 2 | 11, off as 4 bytes LE              len 1…64
/// ```
/// where a copy repeats `len` bytes from `off` bytes back in the output (overlapping when
/// `off < len`). Valid exactly when every element lies inside the input, every copy's offset is
/// in 1…(bytes written), nothing is written past the declared length, and the input ends with
/// that length written: what libsnappy's `snappy_uncompress` accepts (it stays the codec for
/// compression, and the tests hold this decoder to it).
///
/// Ours rather than libsnappy's for speed: RocksDB data blocks are small, and libsnappy 1.1.9 as
/// Debian builds it calls `memmove` through two calls for every element, a quarter of a deep
/// validation of a native savepoint. Here the common elements (a literal of at most 16 bytes, a
/// copy of at most 16 from at least 16 back) move 16 bytes in one vector load and store, writing
/// up to `slack` bytes past the element (the output has that much room beyond the length).
enum SnappyDecoder {
    /// Bytes the output must have beyond the uncompressed length.
    static let slack = 64

    /// Decodes the elements in `input` into `out`, which holds `length + slack` bytes; true when
    /// the block is valid and filled exactly `length` bytes.
    static func decode(_ input: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer, length: Int) -> Bool {
        guard var ip = input.baseAddress, input.count > 0 else { return length == 0 }
        let inEnd = ip + input.count
        var op = out
        let outEnd = out + length
        // While a whole element (tag, 4 offset or length bytes, a literal of up to 60 bytes read
        // as 64) lies inside the input, no read is checked but the element's own.
        if input.count > fastMargin {
            let fastEnd = inEnd - fastMargin
            while ip < fastEnd {
                let tag = ip.load(as: UInt8.self)
                if tag & 3 == 0 {
                    let code = Int(tag >> 2)
                    guard code < 60 else {
                        guard let next = longLiteral(code, ip, inEnd, op, outEnd) else { return false }
                        (ip, op) = next
                        continue
                    }
                    let len = code + 1
                    guard len <= outEnd - op else { return false }
                    copyUpTo64(op, ip + 1, len)
                    ip += 1 + len
                    op += len
                    continue
                }
                let len: Int, offset: Int
                switch tag & 3 {
                case 1:
                    len = 4 + Int((tag >> 2) & 7)
                    offset = Int(tag >> 5) << 8 | Int((ip + 1).load(as: UInt8.self))
                    ip += 2
                case 2:
                    len = 1 + Int(tag >> 2)
                    offset = Int(UInt16(littleEndian: (ip + 1).loadUnaligned(as: UInt16.self)))
                    ip += 3
                default:
                    len = 1 + Int(tag >> 2)
                    offset = Int(UInt32(littleEndian: (ip + 1).loadUnaligned(as: UInt32.self)))
                    ip += 5
                }
                guard validOffset(offset, op - out), len <= outEnd - op else { return false }
                copyBack(op, offset: offset, len)
                op += len
            }
        }
        // The last elements, every read checked.
        while ip < inEnd {
            guard let next = element(ip, inEnd, op, out, outEnd) else { return false }
            (ip, op) = next
        }
        return op == outEnd
    }

    /// The fast loop's margin: a tag, four bytes and a literal read as 64 bytes.
    private static let fastMargin = 70

    /// Where an element leaves the input and the output; nil for a malformed one. Returned, not
    /// `inout`: pointers passed by address live in memory for the whole loop.
    typealias Next = (ip: UnsafeRawPointer, op: UnsafeMutableRawPointer)

    /// A literal of 61 or more bytes (its length in 1…4 bytes after the tag), copied exactly.
    @inline(never)
    private static func longLiteral(_ code: Int, _ ip: UnsafeRawPointer, _ inEnd: UnsafeRawPointer,
                                    _ op: UnsafeMutableRawPointer, _ outEnd: UnsafeMutableRawPointer) -> Next? {
        let lengthBytes = code - 59
        guard lengthBytes < inEnd - ip else { return nil }
        var lenMinusOne = 0
        for i in 0..<lengthBytes { lenMinusOne |= Int((ip + 1 + i).load(as: UInt8.self)) << (8 * i) }
        let data = ip + 1 + lengthBytes
        let len = lenMinusOne + 1
        guard len <= inEnd - data, len <= outEnd - op else { return nil }
        op.copyMemory(from: data, byteCount: len)
        return (data + len, op + len)
    }

    /// One element of any kind with every read checked (the input's last bytes).
    private static func element(_ ip: UnsafeRawPointer, _ inEnd: UnsafeRawPointer, _ op: UnsafeMutableRawPointer,
                                _ out: UnsafeMutableRawPointer, _ outEnd: UnsafeMutableRawPointer) -> Next? {
        let tag = ip.load(as: UInt8.self)
        if tag & 3 == 0 {
            let code = Int(tag >> 2)
            if code >= 60 { return longLiteral(code, ip, inEnd, op, outEnd) }
            let len = code + 1
            guard len < inEnd - ip, len <= outEnd - op else { return nil }
            op.copyMemory(from: ip + 1, byteCount: len)
            return (ip + 1 + len, op + len)
        }
        let offsetBytes = tag & 3 == 3 ? 4 : Int(tag & 3)
        guard offsetBytes < inEnd - ip else { return nil }
        var offset = 0
        for i in 0..<offsetBytes { offset |= Int((ip + 1 + i).load(as: UInt8.self)) << (8 * i) }
        let len: Int
        if tag & 3 == 1 {
            len = 4 + Int((tag >> 2) & 7)
            offset |= Int(tag >> 5) << 8
        } else {
            len = 1 + Int(tag >> 2)
        }
        guard validOffset(offset, op - out), len <= outEnd - op else { return nil }
        copyBack(op, offset: offset, len)
        return (ip + 1 + offsetBytes, op + len)
    }

    /// A copy's offset is in 1…`written`: one unsigned comparison.
    @inline(__always)
    private static func validOffset(_ offset: Int, _ written: Int) -> Bool {
        UInt(bitPattern: offset &- 1) < UInt(bitPattern: written)
    }

    /// `len` (at most 64) bytes from `src`, as 16-byte moves: up to 31 bytes more are written and
    /// read (the fast loop's input margin, the output's slack).
    @inline(__always)
    private static func copyUpTo64(_ dst: UnsafeMutableRawPointer, _ src: UnsafeRawPointer, _ len: Int) {
        // The first 32 bytes whatever the length (a branch on 16 went either way).
        copy16(dst, src)
        copy16(dst + 16, src + 16)
        if len > 32 {
            copy16(dst + 32, src + 32)
            if len > 48 { copy16(dst + 48, src + 48) }
        }
    }

    /// A copy of `len` (at most 64) bytes from `offset` bytes back. From 16 back, 16-byte moves
    /// read only bytes already written; from 8 back, 8-byte ones; closer, the repeating pattern
    /// byte by byte.
    @inline(__always)
    private static func copyBack(_ op: UnsafeMutableRawPointer, offset: Int, _ len: Int) {
        let src = UnsafeRawPointer(op - offset)
        if offset >= 16 {
            copyUpTo64(op, src, len)
        } else if offset >= 8 {
            var i = 0
            repeat {
                (op + i).storeBytes(of: (src + i).loadUnaligned(as: UInt64.self), as: UInt64.self)
                i &+= 8
            } while i < len
        } else {
            for i in 0..<len { (op + i).storeBytes(of: (src + i).load(as: UInt8.self), as: UInt8.self) }
        }
    }

    @inline(__always)
    private static func copy16(_ dst: UnsafeMutableRawPointer, _ src: UnsafeRawPointer) {
        dst.storeBytes(of: src.loadUnaligned(as: SIMD16<UInt8>.self), as: SIMD16<UInt8>.self)
    }
}
