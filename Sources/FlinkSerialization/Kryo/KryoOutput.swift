import Bytes

// Kryo 5's primitive wire forms as `io/Output.java` (`kryo-parent-5.6.2`) writes them; the read side
// and the layouts are in `KryoInput.swift`. Only Kryo 5 is written: `upgrade` moves Kryo 2.24 data
// of Flink 1.x to Flink 2.x, never back.
extension ByteWriter {
    /// `writeVarInt(v, true)`.
    mutating func kryoVarInt(_ v: UInt32) {
        var v = v
        while v >= 0x80 {
            writeU8(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        writeU8(UInt8(v))
    }

    mutating func kryoCount(_ n: Int) { kryoVarInt(UInt32(truncatingIfNeeded: n)) }

    /// `writeVarLong(v, true)`: up to eight 7-bit groups, the ninth byte carries the last 8 bits.
    mutating func kryoVarLong(_ v: UInt64) {
        var v = v
        for _ in 0..<8 {
            guard v >= 0x80 else { writeU8(UInt8(v)); return }
            writeU8(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        writeU8(UInt8(truncatingIfNeeded: v))
    }

    /// `writeInt(v, false)` / `writeLong(v, false)`: zigzag.
    mutating func kryoZigZagInt(_ v: Int32) { kryoVarInt(UInt32(bitPattern: (v << 1) ^ (v >> 31))) }
    mutating func kryoZigZagLong(_ v: Int64) { kryoVarLong(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    /// `writeVarIntFlag(flag, v, true)`: 6 value bits in the first byte, bit 7 the flag, bit 6 "more".
    mutating func kryoVarIntFlag(_ flag: Bool, _ v: Int) {
        var v = UInt32(truncatingIfNeeded: v)
        let first = UInt8(v & 0x3F) | (flag ? 0x80 : 0)
        v >>= 6
        guard v > 0 else { writeU8(first); return }
        writeU8(first | 0x40)
        kryoVarInt(v)
    }

    /// `writeString`: null 0x80, "" 0x81, 2 to 32 ASCII characters as a run whose last byte has
    /// bit 7 set, anything else the flagged length + 1 and each UTF-16 unit as 1, 2 or 3 bytes.
    mutating func kryoString(_ units: [UInt16]?) {
        guard let units else { writeU8(0x80); return }
        if units.isEmpty { writeU8(0x81); return }
        if units.count > 1, units.count <= 32, units.allSatisfy({ $0 < 0x80 }) {
            kryoAsciiRun(units)
            return
        }
        kryoVarIntFlag(true, units.count + 1)
        for c in units {
            switch c {
            case 0..<0x80: writeU8(UInt8(c))
            case 0x800...: writeU8(0xE0 | UInt8(c >> 12)); writeU8(0x80 | UInt8(c >> 6 & 0x3F)); writeU8(0x80 | UInt8(c & 0x3F))
            default: writeU8(0xC0 | UInt8(c >> 6)); writeU8(0x80 | UInt8(c & 0x3F))
            }
        }
    }

    /// `writeAscii` (class names): as `writeString`, but a run at any length and one character as
    /// length 1.
    mutating func kryoAscii(_ s: String) {
        let units = Array(s.utf16)
        switch units.count {
        case 0: writeU8(0x81)
        case 1: writeU8(0x82); writeU8(UInt8(truncatingIfNeeded: units[0]))
        default: kryoAsciiRun(units)
        }
    }

    private mutating func kryoAsciiRun(_ units: [UInt16]) {
        for (k, c) in units.enumerated() { writeU8(UInt8(truncatingIfNeeded: c) | (k == units.count - 1 ? 0x80 : 0)) }
    }
}
