import Bytes

/// The 16-byte id of an operator (`OperatorID`): Guava murmur3_128 of the uid, or a
/// topology-derived hash when the job set no uid. Written as-is into `_metadata`.
public struct OperatorID: Sendable, Equatable, Hashable, CustomStringConvertible {
    public static let byteCount = 16

    /// Always exactly 16 bytes.
    public let bytes: [UInt8]

    /// `nil` unless `bytes` has 16 entries.
    public init?(bytes: [UInt8]) {
        guard bytes.count == OperatorID.byteCount else { return nil }
        self.bytes = bytes
    }

    /// The id Flink derives from `uid` (`StreamGraphHasherV2`).
    public init(uid: String) {
        bytes = FlinkHashing.operatorID(forUid: uid)
    }

    /// Parses the 32-digit hex form Flink prints (case-insensitive).
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 2 * OperatorID.byteCount else { return nil }
        var out = [UInt8]()
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexValue(digits[i]), let low = hexValue(digits[i + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        bytes = out
    }

    /// Lower-case hex, as Flink prints operator ids.
    public var hex: String { bytes.hexString }
    public var description: String { hex }

    static func read(from reader: inout ByteReader) throws -> OperatorID {
        OperatorID(unchecked: try reader.readBytes(OperatorID.byteCount, what: "a 16-byte operator id"))
    }

    func write(to writer: inout ByteWriter) { writer.writeBytes(bytes) }

    private init(unchecked bytes: [UInt8]) { self.bytes = bytes }
}

private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
    default: return nil
    }
}
