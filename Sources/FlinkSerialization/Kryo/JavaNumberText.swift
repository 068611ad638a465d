import Bytes

/// Java's text of the numbers Kryo keeps exactly: `BigInteger.toString()`, `BigDecimal.toString()`
/// (scientific notation where Java uses it) and `UUID.toString()`; dump shows them as strings.
enum JavaNumberText {
    /// Two's-complement magnitudes longer than this are not turned into decimal digits (the conversion
    /// is quadratic); such a number stays undecodable.
    static let maxBytes = 4096

    /// Kryo's `BigIntegerSerializer`: varint `count + 1` (0 null), big-endian two's-complement bytes.
    static func bigIntegerBytes(_ r: inout ByteReader) throws -> [UInt8]? {
        let at = r.index
        let n = try r.kryoCount("a BigInteger length")
        guard n > 0 else { return nil }
        let count = n - 1
        guard count <= maxBytes else { throw r.error("a BigInteger of \(count) bytes is longer than \(maxBytes)", at: at) }
        guard count > 0 else { throw r.error("expected a BigInteger of at least one byte", at: at) }
        return try r.readBytes(count, what: "a BigInteger")
    }

    static func decimal(twosComplement bytes: [UInt8]) -> (negative: Bool, digits: String) {
        let negative = (bytes.first ?? 0) & 0x80 != 0
        var magnitude = bytes
        if negative {
            // Negate: invert and add one.
            var carry = true
            for i in magnitude.indices.reversed() {
                magnitude[i] = ~magnitude[i]
                if carry { (magnitude[i], carry) = magnitude[i].addingReportingOverflow(1) }
            }
        }
        // Repeated division by 10^9 over the big-endian bytes.
        var limbs = magnitude.drop { $0 == 0 }.map { UInt32($0) }
        var groups: [UInt32] = []
        while !limbs.isEmpty {
            var remainder: UInt64 = 0
            var next: [UInt32] = []
            next.reserveCapacity(limbs.count)
            for b in limbs {
                let cur = remainder << 8 | UInt64(b)
                let q = cur / 1_000_000_000
                remainder = cur % 1_000_000_000
                if !next.isEmpty || q != 0 { next.append(UInt32(q)) }
            }
            groups.append(UInt32(remainder))
            limbs = next
        }
        guard let last = groups.last else { return (false, "0") }
        var text = String(last)
        for g in groups.dropLast().reversed() {
            let s = String(g)
            text += String(repeating: "0", count: 9 - s.count) + s
        }
        return (negative, text)
    }

    /// `BigDecimal.toString()`: plain when the scale is not negative and the adjusted exponent is at
    /// least -6, else one digit, the rest after a point, and `E` with the signed adjusted exponent.
    static func bigDecimal(unscaled: (negative: Bool, digits: String), scale: Int32) -> String {
        let sign = unscaled.negative ? "-" : ""
        let digits = Array(unscaled.digits)
        let adjusted = -Int64(scale) + Int64(digits.count - 1)
        if scale == 0 { return sign + unscaled.digits }
        if scale > 0, adjusted >= -6 {
            let point = digits.count - Int(scale)
            if point > 0 { return sign + String(digits[..<point]) + "." + String(digits[point...]) }
            return sign + "0." + String(repeating: "0", count: -point) + unscaled.digits
        }
        var text = sign + String(digits[0])
        if digits.count > 1 { text += "." + String(digits[1...]) }
        return text + "E" + (adjusted >= 0 ? "+" : "") + String(adjusted)
    }

    static func uuid(most: Int64, least: Int64) -> String {
        func hex(_ v: UInt64, _ digits: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, digits - s.count)) + s
        }
        let m = UInt64(bitPattern: most), l = UInt64(bitPattern: least)
        return hex(m >> 32, 8) + "-" + hex(m >> 16 & 0xFFFF, 4) + "-" + hex(m & 0xFFFF, 4) + "-"
            + hex(l >> 48, 4) + "-" + hex(l & 0xFFFF_FFFF_FFFF, 12)
    }
}
