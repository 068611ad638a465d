/// RocksDB's log format (`db/log_format.h`), shared by the MANIFEST and the WAL: the file is a
/// sequence of 32 KiB blocks of physical records; a logical record too big for the space left in
/// a block is split into FIRST/MIDDLE…/LAST fragments. Trailing space in a block too small for a
/// header is zero-filled.
///
/// ```
/// header    : fixed32 masked crc32c(type ‖ [log number] ‖ payload) ‖ fixed16 length ‖ u8 type
/// recyclable: the same plus fixed32 log number (types 5–8)
/// ```
public enum LogFormat {
    public static let blockSize = 32768
    public static let headerSize = 7
    public static let recyclableHeaderSize = 11

    public enum RecordType: UInt8, Sendable {
        case zero = 0
        case full = 1
        case first = 2
        case middle = 3
        case last = 4
        case recyclableFull = 5
        case recyclableFirst = 6
        case recyclableMiddle = 7
        case recyclableLast = 8
        case setCompressionType = 9
        case userDefinedTimestampSize = 10
        case recyclableUserDefinedTimestampSize = 11

        var isRecyclable: Bool { (5...8).contains(rawValue) || self == .recyclableUserDefinedTimestampSize }

        /// The fragment role, with recyclable variants folded onto the plain ones.
        var fragment: RecordType {
            switch self {
            case .recyclableFull: .full
            case .recyclableFirst: .first
            case .recyclableMiddle: .middle
            case .recyclableLast: .last
            default: self
            }
        }
    }
}
