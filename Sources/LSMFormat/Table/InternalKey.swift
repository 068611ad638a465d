import Bytes

/// The kind of an entry, the low byte of an internal key's trailer (`ValueType`, `db/dbformat.h`).
public enum ValueType: UInt8, Sendable, CustomStringConvertible {
    case deletion = 0x0
    case value = 0x1
    case merge = 0x2
    case singleDeletion = 0x7
    case rangeDeletion = 0xF
    case blobIndex = 0x11
    case deletionWithTimestamp = 0x14
    case wideColumnEntity = 0x16

    public var description: String {
        switch self {
        case .deletion: "delete"
        case .value: "put"
        case .merge: "merge"
        case .singleDeletion: "single delete"
        case .rangeDeletion: "range delete"
        case .blobIndex: "blob index"
        case .deletionWithTimestamp: "delete with timestamp"
        case .wideColumnEntity: "wide column entity"
        }
    }
}

/// A key as RocksDB stores it in tables and the MANIFEST: the user key followed by an 8-byte
/// little-endian trailer `(sequence << 8) | type`.
public struct InternalKey: Sendable, Hashable, CustomStringConvertible {
    public static let trailerSize = 8
    /// Sequence numbers have 56 bits.
    public static let maxSequence: UInt64 = (1 << 56) - 1

    public var userKey: [UInt8]
    public var sequence: UInt64
    /// The raw type byte; `type` interprets it.
    public var typeByte: UInt8

    public var type: ValueType? { ValueType(rawValue: typeByte) }

    public init(userKey: [UInt8], sequence: UInt64, type: ValueType) {
        self.userKey = userKey
        self.sequence = sequence
        self.typeByte = type.rawValue
    }

    /// Splits an encoded internal key; `offset` locates it for errors.
    public init<C: Collection>(encoded: C, at offset: Int = 0) throws where C.Element == UInt8 {
        guard encoded.count >= Self.trailerSize else {
            throw FormatError(
                offset: offset, "expected an internal key of at least 8 bytes, found \(encoded.count) bytes")
        }
        let split = encoded.index(encoded.endIndex, offsetBy: -Self.trailerSize)
        var trailer: UInt64 = 0
        for (i, b) in encoded[split...].enumerated() { trailer |= UInt64(b) << (8 * UInt64(i)) }
        userKey = Array(encoded[..<split])
        sequence = trailer >> 8
        typeByte = UInt8(truncatingIfNeeded: trailer)
    }

    /// Splits an encoded internal key held in an array (the fast path for table scans).
    public init(encoded: [UInt8], at offset: Int = 0) throws {
        let n = encoded.count
        guard n >= Self.trailerSize else {
            throw FormatError(offset: offset, "expected an internal key of at least 8 bytes, found \(n) bytes")
        }
        let trailer = encoded.withUnsafeBytes {
            UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: n - Self.trailerSize, as: UInt64.self))
        }
        userKey = Array(encoded[..<(n - Self.trailerSize)])
        sequence = trailer >> 8
        typeByte = UInt8(truncatingIfNeeded: trailer)
    }

    /// The encoded form: user key ‖ fixed64LE(seq << 8 | type).
    public var encoded: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(userKey.count + Self.trailerSize)
        userKey.withUnsafeBufferPointer { Self.appendEncoded(userKey: $0, sequence: sequence, typeByte: typeByte, to: &out) }
        return out
    }

    /// Appends the encoded internal key (user key ‖ `sequence << 8 | type`, 8 bytes little-endian)
    /// to `out`: how a writer builds keys in a reused buffer.
    public static func appendEncoded(userKey: UnsafeBufferPointer<UInt8>, sequence: UInt64, typeByte: UInt8,
                                     to out: inout [UInt8]) {
        out.append(contentsOf: userKey)
        let trailer = sequence << 8 | UInt64(typeByte)
        for i in 0..<trailerSize { out.append(UInt8(truncatingIfNeeded: trailer >> (8 * UInt64(i)))) }
    }

    public var description: String {
        "'\(userKey.hexString.uppercased())' seq:\(sequence), type:\(typeByte)"
    }
}
