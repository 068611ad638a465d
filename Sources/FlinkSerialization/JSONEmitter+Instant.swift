extension JSONEmitter {
    /// Java's `Instant.toString()` (ISO-8601 in UTC, fraction in groups of 3 digits as needed) for years
    /// 0–9999; other instants as `{"epochSecond":S,"nano":N}`.
    mutating func instant(seconds: Int64, nanos: Int32) {
        let (days, secondOfDay) = Self.floorDivide(seconds, 86_400)
        let (year, month, day) = Self.civilDate(daysSinceEpoch: days)
        guard (0...9999).contains(year), (0..<1_000_000_000).contains(nanos) else {
            write("{\"epochSecond\":"); integer(seconds)
            write(",\"nano\":"); integer(Int64(nanos))
            byte(UInt8(ascii: "}"))
            return
        }
        byte(UInt8(ascii: "\""))
        padded(year, width: 4); byte(UInt8(ascii: "-"))
        padded(month, width: 2); byte(UInt8(ascii: "-"))
        padded(day, width: 2); byte(UInt8(ascii: "T"))
        padded(secondOfDay / 3600, width: 2); byte(UInt8(ascii: ":"))
        padded(secondOfDay / 60 % 60, width: 2); byte(UInt8(ascii: ":"))
        padded(secondOfDay % 60, width: 2)
        fraction(Int64(nanos))
        write("Z\"")
    }

    /// ".SSS", ".SSSSSS" or ".SSSSSSSSS", the shortest of Java's three that is exact; nothing for 0.
    mutating func fraction(_ nanos: Int64) {
        guard nanos > 0 else { return }
        byte(UInt8(ascii: "."))
        if nanos % 1_000_000 == 0 {
            padded(nanos / 1_000_000, width: 3)
        } else if nanos % 1000 == 0 {
            padded(nanos / 1000, width: 6)
        } else {
            padded(nanos, width: 9)
        }
    }

    /// A non-negative number with leading zeros to `width` digits.
    mutating func padded(_ v: Int64, width: Int) {
        var digits = 1
        var probe = v
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        for _ in digits..<max(width, digits) { byte(UInt8(ascii: "0")) }
        integer(v)
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
