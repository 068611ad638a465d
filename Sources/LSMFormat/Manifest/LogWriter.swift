import Bytes

/// Writes logical records in the log format, fragmenting across 32 KiB blocks exactly as
/// RocksDB's `log::Writer::AddRecord` does (non-recyclable records): the mirror of `LogReader`.
public struct LogWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func add(_ record: [UInt8]) {
        var rest = record[...]
        var begin = true
        repeat {
            let leftover = LogFormat.blockSize - bytes.count % LogFormat.blockSize
            if leftover < LogFormat.headerSize {
                bytes += [UInt8](repeating: 0, count: leftover)
                continue
            }
            let available = leftover - LogFormat.headerSize
            let take = min(available, rest.count)
            let end = take == rest.count
            let type: LogFormat.RecordType = begin && end ? .full : begin ? .first : end ? .last : .middle
            emit(type, rest.prefix(take))
            rest = rest.dropFirst(take)
            begin = false
            if end { return }
        } while true
    }

    private mutating func emit(_ type: LogFormat.RecordType, _ payload: ArraySlice<UInt8>) {
        var covered = [type.rawValue]
        covered += payload
        var w = ByteWriter()
        w.writeU32LE(CRC32C.mask(CRC32C.checksum(covered)))
        w.writeU8(UInt8(payload.count & 0xFF))
        w.writeU8(UInt8(payload.count >> 8))
        w.writeU8(type.rawValue)
        w.writeBytes(payload)
        bytes += w.bytes
    }
}
