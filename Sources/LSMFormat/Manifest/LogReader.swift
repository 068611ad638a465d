import Bytes

/// Reassembles the logical records of a log-format file (MANIFEST), verifying every fragment's
/// masked CRC32C (`db/log_reader.cc`).
public struct LogReader: Sendable {
    private var input: ByteReader
    /// Stop with an error at a bad checksum (RocksDB's paranoid mode, the default for MANIFESTs).
    public var verifyChecksums = true

    public init(_ bytes: [UInt8]) {
        input = ByteReader(bytes)
    }

    /// The next logical record; `nil` at the end of the file.
    public mutating func next() throws -> [UInt8]? {
        var assembled: [UInt8]?
        var recordStart = 0
        while let (type, payload, at) = try nextFragment() {
            switch type.fragment {
            case .full:
                guard assembled == nil else {
                    throw FormatError(offset: at, "expected a MIDDLE or LAST log fragment, found a FULL record")
                }
                return payload
            case .first:
                guard assembled == nil else {
                    throw FormatError(offset: at, "expected a MIDDLE or LAST log fragment, found a FIRST record")
                }
                assembled = payload
                recordStart = at
            case .middle, .last:
                guard assembled != nil else {
                    throw FormatError(offset: at, "log fragment of type \(type.rawValue) without a FIRST fragment before it")
                }
                assembled! += payload
                if type.fragment == .last { return assembled }
            case .setCompressionType, .userDefinedTimestampSize, .recyclableUserDefinedTimestampSize:
                continue  // WAL metadata records, never part of a MANIFEST's edits
            default:
                throw FormatError(offset: at, "unknown log record type \(type.rawValue)")
            }
        }
        if assembled != nil {
            throw FormatError(offset: recordStart, "log ends inside a fragmented record (truncated file?)")
        }
        return nil
    }

    /// All logical records.
    public mutating func readAll() throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        while let record = try next() { out.append(record) }
        return out
    }

    /// The next physical record, skipping block trailers and zero padding.
    private mutating func nextFragment() throws -> (LogFormat.RecordType, [UInt8], Int)? {
        while true {
            if input.isAtEnd { return nil }
            let inBlock = LogFormat.blockSize - input.position % LogFormat.blockSize
            if inBlock < LogFormat.headerSize {
                // Block trailer: zero-filled, too small for a header.
                try input.skip(min(inBlock, input.remaining))
                continue
            }
            let at = input.fileOffset
            guard input.remaining >= LogFormat.headerSize else {
                throw FormatError(offset: at, "log ends inside a record header (\(input.remaining) of 7 bytes; truncated file?)")
            }
            let storedCRC = try input.readU32LE("a log record checksum")
            let length = Int(try input.readU16("a log record length").byteSwapped)
            let typeByte = try input.readU8("a log record type")
            if typeByte == LogFormat.RecordType.zero.rawValue, length == 0, storedCRC == 0 {
                // Preallocated, never-written space: the rest of the block is empty.
                try input.skip(min(inBlock - LogFormat.headerSize, input.remaining))
                continue
            }
            guard let type = LogFormat.RecordType(rawValue: typeByte) else {
                throw FormatError(offset: at + 6, "expected a log record type 1–11, found \(typeByte)")
            }
            let headerSize = type.isRecyclable ? LogFormat.recyclableHeaderSize : LogFormat.headerSize
            guard headerSize + length <= inBlock else {
                throw FormatError(offset: at, "log record of \(length) bytes runs past its 32 KiB block")
            }
            let covered = try coveredBytes(at: at, headerSize: headerSize, length: length)
            if verifyChecksums {
                let actual = CRC32C.mask(CRC32C.checksum(covered))
                guard actual == storedCRC else {
                    throw FormatError(offset: at, "log record checksum mismatch: stored \(hex(storedCRC)), computed \(hex(actual))")
                }
            }
            return (type, Array(covered[(headerSize - 6)...]), at)
        }
    }

    /// The bytes the CRC covers: type byte, [log number], payload. Moves past the record.
    private mutating func coveredBytes(at: Int, headerSize: Int, length: Int) throws -> [UInt8] {
        try input.seek(to: at + 6)
        let count = 1 + (headerSize - LogFormat.headerSize) + length
        guard count <= input.remaining else {
            throw FormatError(offset: at, "log record of \(length) bytes is cut off by the end of the file (truncated?)")
        }
        return try input.readBytes(count, what: "a log record")
    }
}
