import Bytes

/// The fixed-size tail of a block-based table (`Footer`, `table/format.cc`): which checksum the
/// blocks use, the table's format_version and where the metaindex (and, before version 6, the
/// index) block lies.
///
/// ```
/// legacy (version 0), 48 bytes:  metaindex handle ‖ index handle (padded to 40) ‖ magic(legacy)
/// version 1–5, 53 bytes:        u8 checksum ‖ handles (padded to 40) ‖ u32 version ‖ magic
/// version ≥ 6, 53 bytes:        u8 checksum ‖ 3e 00 7a 00 ‖ u32 footer checksum ‖ u32 base context
///                               checksum ‖ u32 metaindex size ‖ 24 zero bytes ‖ u32 version ‖ magic
/// ```
public struct Footer: Sendable, Equatable {
    public static let blockBasedMagic: UInt64 = 0x88E2_41B7_85F4_CFF7
    public static let legacyBlockBasedMagic: UInt64 = 0xDB47_7524_8B80_FB57
    public static let legacyEncodedLength = 48
    public static let encodedLength = 53
    static let handlesLength = 2 * BlockHandle.maxEncodedLength
    static let extendedMagic: [UInt8] = [0x3E, 0x00, 0x7A, 0x00]
    /// The newest layout we know; RocksDB 8.10 (FRocksDB in Flink 2.x) reads up to 6, upstream
    /// has 7 (custom compression managers), whose footer has the version 6 layout.
    public static let latestKnownFormatVersion: UInt32 = 7

    public var checksumType: ChecksumType
    public var formatVersion: UInt32
    public var metaindexHandle: BlockHandle
    /// Absent from format_version ≥ 6 footers: the index is found through the metaindex.
    public var indexHandle: BlockHandle?
    /// Format_version ≥ 6: added (per block) to every checksum; 0 before.
    public var baseContextChecksum: UInt32
    /// Where the footer starts in the file.
    public var offset: UInt64

    public init(checksumType: ChecksumType, formatVersion: UInt32, metaindexHandle: BlockHandle,
                indexHandle: BlockHandle?, baseContextChecksum: UInt32 = 0, offset: UInt64 = 0) {
        self.checksumType = checksumType
        self.formatVersion = formatVersion
        self.metaindexHandle = metaindexHandle
        self.indexHandle = indexHandle
        self.baseContextChecksum = baseContextChecksum
        self.offset = offset
    }

    /// Decodes the footer from the last bytes of a table of `fileSize` bytes; `tail` must hold
    /// the last `min(fileSize, 53)` bytes (its base offset is their file offset).
    public static func read(tail: ByteReader, fileSize: Int) throws -> Footer {
        guard fileSize >= legacyEncodedLength, tail.remaining >= legacyEncodedLength else {
            throw FormatError(
                offset: 0, "file of \(fileSize) bytes is too short to be a table (footer needs 48 bytes)")
        }
        var magicReader = try tail.slice(from: tail.remaining - 8)
        let magic = try magicReader.readU64LE("the table magic number")
        switch magic {
        case legacyBlockBasedMagic:
            return try readLegacy(try tail.slice(from: tail.remaining - legacyEncodedLength), fileSize: fileSize)
        case blockBasedMagic:
            guard tail.remaining >= encodedLength else {
                throw FormatError(offset: 0, "file of \(fileSize) bytes is too short for a 53-byte footer")
            }
            return try readCurrent(try tail.slice(from: tail.remaining - encodedLength), fileSize: fileSize)
        default:
            throw FormatError(
                offset: fileSize - 8,
                "expected the block-based table magic number 0x88e241b785f4cff7, found 0x\(String(magic, radix: 16))"
                    + " (not a block-based SST, or truncated)")
        }
    }

    private static func readLegacy(_ r: ByteReader, fileSize: Int) throws -> Footer {
        var r = r
        let footerOffset = UInt64(fileSize - legacyEncodedLength)
        let metaindex = try BlockHandle.read(from: &r)
        let index = try BlockHandle.read(from: &r)
        return Footer(checksumType: .crc32c, formatVersion: 0, metaindexHandle: metaindex,
                      indexHandle: index, offset: footerOffset)
    }

    private static func readCurrent(_ r: ByteReader, fileSize: Int) throws -> Footer {
        var r = r
        let footerOffset = UInt64(fileSize - encodedLength)
        let checksumAt = r.fileOffset
        let checksumByte = try r.readU8("the footer checksum type")
        guard let checksum = ChecksumType(rawValue: checksumByte) else {
            throw FormatError(offset: checksumAt, "expected a checksum type 0–4 in the footer, found \(checksumByte)")
        }
        var handles = try r.readSlice(handlesLength, what: "the footer handles")
        let versionAt = r.fileOffset
        let version = try r.readU32LE("the format version")
        guard version >= 1, version <= latestKnownFormatVersion else {
            throw FormatError(offset: versionAt, "expected a table format_version 1–\(latestKnownFormatVersion), found \(version)")
        }
        if version < 6 {
            let metaindex = try BlockHandle.read(from: &handles)
            let index = try BlockHandle.read(from: &handles)
            return Footer(checksumType: checksum, formatVersion: version, metaindexHandle: metaindex,
                          indexHandle: index, offset: footerOffset)
        }
        return try readExtended(&handles, checksum: checksum, version: version, footerOffset: footerOffset)
    }

    /// format_version ≥ 6: the metaindex ends where the footer starts; its size is stored.
    private static func readExtended(
        _ r: inout ByteReader, checksum: ChecksumType, version: UInt32, footerOffset: UInt64
    ) throws -> Footer {
        let at = r.fileOffset
        let magic = try r.readBytes(4, what: "the extended footer magic")
        guard magic == extendedMagic else {
            throw FormatError(offset: at, "expected the extended footer magic 3e007a00, found \(magic.hexString)")
        }
        _ = try r.readU32LE("the footer checksum")
        let base = try r.readU32LE("the base context checksum")
        let metaindexSize = UInt64(try r.readU32LE("the metaindex size"))
        guard metaindexSize + UInt64(BlockHandle.trailerSize) <= footerOffset else {
            throw FormatError(offset: at, "metaindex of \(metaindexSize) bytes cannot end at the footer (\(footerOffset))")
        }
        let metaindex = BlockHandle(
            offset: footerOffset - metaindexSize - UInt64(BlockHandle.trailerSize), size: metaindexSize)
        return Footer(checksumType: checksum, formatVersion: version, metaindexHandle: metaindex,
                      indexHandle: nil, baseContextChecksum: base, offset: footerOffset)
    }

    /// Encodes a format_version 1–5 footer (the layout Flink's FRocksDB writes).
    public func write(to w: inout ByteWriter) {
        var handles = ByteWriter(capacity: Self.handlesLength)
        metaindexHandle.write(to: &handles)
        (indexHandle ?? BlockHandle(offset: 0, size: 0)).write(to: &handles)
        w.writeU8(checksumType.rawValue)
        w.writeBytes(handles.bytes)
        w.writeBytes([UInt8](repeating: 0, count: Self.handlesLength - handles.count))
        w.writeU32LE(formatVersion)
        w.writeU64LE(Self.blockBasedMagic)
    }
}
