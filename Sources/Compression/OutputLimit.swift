import Bytes

/// Every decompressor takes the largest output its caller is prepared to hold. A stream that
/// claims (or would produce) more is refused with a `FormatError` before anything is allocated,
/// so a decompression bomb costs nothing.
enum OutputLimit {
    /// Fails unless `size` fits in `limit`; `codec` names the format in the message.
    static func check(_ size: Int, limit: Int, codec: StaticString, at offset: Int) throws {
        guard size >= 0 else {
            throw FormatError(offset: offset, "\(codec) data declares a negative size \(size)")
        }
        guard size <= limit else {
            throw FormatError(
                offset: offset,
                "\(codec) data would decompress to \(size) bytes, more than the limit of \(limit)")
        }
    }
}

extension Array where Element == UInt8 {
    /// An array of `capacity` bytes filled by `body`, which returns how many it wrote (or throws).
    static func filled(
        capacity: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Int
    ) rethrows -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            count = 0
            count = try body(UnsafeMutableRawBufferPointer(buffer))
        }
    }
}
