extension ValueJSON {
    /// Java's `Instant.toString()` (ISO-8601 in UTC, fraction in groups of 3 digits as needed) for years
    /// 0–9999; other instants as `{"epochSecond":S,"nano":N}`.
    static func appendInstant(seconds: Int64, nanos: Int32, to out: inout [UInt8]) {
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        guard (0...9999).contains(year), (0..<1_000_000_000).contains(nanos) else {
            appendASCII("{\"epochSecond\":", to: &out); appendInteger(seconds, to: &out)
            appendASCII(",\"nano\":", to: &out); appendInteger(Int64(nanos), to: &out)
            out.append(UInt8(ascii: "}"))
            return
        }
        out.append(UInt8(ascii: "\""))
        appendPadded(year, width: 4, to: &out); out.append(UInt8(ascii: "-"))
        appendPadded(month, width: 2, to: &out); out.append(UInt8(ascii: "-"))
        appendPadded(day, width: 2, to: &out); out.append(UInt8(ascii: "T"))
        appendPadded(secondOfDay / 3600, width: 2, to: &out); out.append(UInt8(ascii: ":"))
        appendPadded(secondOfDay / 60 % 60, width: 2, to: &out); out.append(UInt8(ascii: ":"))
        appendPadded(secondOfDay % 60, width: 2, to: &out)
        appendFraction(Int64(nanos), to: &out)
        appendASCII("Z\"", to: &out)
    }

    /// ".SSS", ".SSSSSS" or ".SSSSSSSSS", the shortest of Java's three that is exact; nothing for 0.
    static func appendFraction(_ nanos: Int64, to out: inout [UInt8]) {
        guard nanos > 0 else { return }
        out.append(UInt8(ascii: "."))
        if nanos % 1_000_000 == 0 {
            appendPadded(nanos / 1_000_000, width: 3, to: &out)
        } else if nanos % 1000 == 0 {
            appendPadded(nanos / 1000, width: 6, to: &out)
        } else {
            appendPadded(nanos, width: 9, to: &out)
        }
    }

    static func appendPadded(_ v: Int64, width: Int, to out: inout [UInt8]) {
        var digits = [UInt8]()
        appendInteger(v, to: &digits)
        for _ in digits.count..<max(width, digits.count) { out.append(UInt8(ascii: "0")) }
        out.append(contentsOf: digits)
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    /// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's civil-from-days).
    static func civilDate(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
