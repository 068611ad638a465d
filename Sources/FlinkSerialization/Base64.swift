/// Standard Base64 (RFC 4648, with padding) appended to a byte buffer, for `$bytes` and `$raw` in JSON.
enum Base64 {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func append(_ bytes: [UInt8], to out: inout [UInt8]) {
        bytes.withUnsafeBytes { append($0, to: &out) }
    }

    /// Bytes in place (a `byte[]` value inside a larger buffer), without copying them out first.
    static func append(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.reserveCapacity(out.count + (bytes.count + 2) / 3 * 4)
        alphabet.withUnsafeBufferPointer { a in
            var i = 0
            let n = bytes.count
            while i + 3 <= n {
                let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                out.append(a[Int(v >> 18)]); out.append(a[Int(v >> 12 & 63)])
                out.append(a[Int(v >> 6 & 63)]); out.append(a[Int(v & 63)])
                i += 3
            }
            let rest = n - i
            if rest == 1 {
                let v = UInt32(bytes[i]) << 16
                out.append(a[Int(v >> 18)]); out.append(a[Int(v >> 12 & 63)])
                out.append(UInt8(ascii: "=")); out.append(UInt8(ascii: "="))
            } else if rest == 2 {
                let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
                out.append(a[Int(v >> 18)]); out.append(a[Int(v >> 12 & 63)])
                out.append(a[Int(v >> 6 & 63)]); out.append(UInt8(ascii: "="))
            }
        }
    }
}
