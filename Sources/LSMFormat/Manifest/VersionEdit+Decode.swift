import Bytes

extension VersionEdit {
    /// Decodes one MANIFEST record. `offset` (where the record starts) locates errors.
    public static func decode(_ record: [UInt8], at offset: Int = 0) throws -> VersionEdit {
        var r = ByteReader(record, baseOffset: offset)
        var edit = VersionEdit()
        while !r.isAtEnd {
            let tagAt = r.fileOffset
            let tag = try r.readVarUInt32("a version edit tag")
            try edit.decodeField(tag, at: tagAt, &r)
        }
        return edit
    }

    private mutating func decodeField(_ tag: UInt32, at tagAt: Int, _ r: inout ByteReader) throws {
        typealias T = VersionEditTag
        switch tag {
        case T.comparator: comparator = try r.readLengthPrefixedString()
        case T.logNumber: logNumber = try r.readVarUInt64()
        case T.prevLogNumber: prevLogNumber = try r.readVarUInt64()
        case T.nextFileNumber: nextFileNumber = try r.readVarUInt64()
        case T.lastSequence: lastSequence = try r.readVarUInt64()
        case T.minLogNumberToKeep: minLogNumberToKeep = try r.readVarUInt64()
        case T.maxColumnFamily: maxColumnFamily = try r.readVarUInt32()
        case T.columnFamily: columnFamily = try r.readVarUInt32()
        case T.columnFamilyAdd: columnFamilyAdd = try r.readLengthPrefixedString()
        case T.columnFamilyDrop: columnFamilyDrop = true
        case T.inAtomicGroup: atomicGroupRemaining = try r.readVarUInt32()
        case T.compactCursor:
            _ = try r.readVarUInt32("a compact cursor level")
            _ = try r.readLengthPrefixed()
        case T.deletedFile:
            let level = Int(try r.readVarUInt32("a level"))
            deletedFiles.append((level, try r.readVarUInt64("a file number")))
        case T.newFile, T.newFile2, T.newFile3:
            newFiles.append(try Self.decodeLegacyNewFile(tag, &r))
        case T.newFile4:
            newFiles.append(try Self.decodeNewFile4(&r))
        case T.dbID: dbID = try r.readLengthPrefixedString()
        case T.persistUserDefinedTimestamps:
            persistUserDefinedTimestamps = try r.readLengthPrefixed().first.map { $0 != 0 }
        case T.blobFileAddition, T.blobFileGarbage:
            throw FormatError(offset: tagAt, "MANIFEST uses BlobDB (tag \(tag)), which is not supported")
        default:
            guard tag & T.safeIgnoreMask != 0 else {
                throw FormatError(offset: tagAt, "unknown MANIFEST version edit tag \(tag)")
            }
            _ = try r.readLengthPrefixed()
            ignoredTags.append(tag)
        }
    }

    /// NewFile (7), NewFile2 (100, + seqnos) and NewFile3 (102, + path id): pre-5.x layouts.
    private static func decodeLegacyNewFile(_ tag: UInt32, _ r: inout ByteReader) throws -> (Int, FileMetaData) {
        let level = Int(try r.readVarUInt32("a level"))
        let number = try r.readVarUInt64("a file number")
        let pathID = tag == VersionEditTag.newFile3 ? try r.readVarUInt32("a path id") : 0
        let size = try r.readVarUInt64("a file size")
        let smallest = try r.readInternalKey()
        let largest = try r.readInternalKey()
        var seqs: (UInt64, UInt64) = (0, 0)
        if tag != VersionEditTag.newFile {
            seqs = (try r.readVarUInt64("a smallest seqno"), try r.readVarUInt64("a largest seqno"))
        }
        var file = FileMetaData(number: number, size: size, smallest: smallest, largest: largest,
                                smallestSequence: seqs.0, largestSequence: seqs.1)
        file.pathID = pathID
        return (level, file)
    }

    private static func decodeNewFile4(_ r: inout ByteReader) throws -> (Int, FileMetaData) {
        let level = Int(try r.readVarUInt32("a level"))
        let number = try r.readVarUInt64("a file number")
        let size = try r.readVarUInt64("a file size")
        let smallest = try r.readInternalKey()
        let largest = try r.readInternalKey()
        let smallestSeq = try r.readVarUInt64("a smallest seqno")
        let largestSeq = try r.readVarUInt64("a largest seqno")
        var file = FileMetaData(number: number, size: size, smallest: smallest, largest: largest,
                                smallestSequence: smallestSeq, largestSequence: largestSeq)
        while true {
            let at = r.fileOffset
            let tag = try r.readVarUInt32("a new-file field tag")
            if tag == NewFileTag.terminate { break }
            var field = try r.readLengthPrefixedSlice()
            try file.apply(tag, &field, at: at)
        }
        return (level, file)
    }
}

extension FileMetaData {
    /// One field of a NewFile4 record, `f` over its bytes (read in place: a MANIFEST has
    /// thousands of them, most of them numbers).
    mutating func apply(_ tag: UInt32, _ f: inout ByteReader, at: Int) throws {
        switch tag {
        case NewFileTag.needCompaction: needsCompaction = f.peekU8() == 1
        case NewFileTag.oldestAncesterTime: oldestAncesterTime = try f.readVarUInt64()
        case NewFileTag.fileCreationTime: fileCreationTime = try f.readVarUInt64()
        case NewFileTag.fileChecksum: fileChecksum = f.remainingBytes
        case NewFileTag.fileChecksumFunction: fileChecksumFunction = try f.withBytes(f.remaining) { String(decoding: $0, as: UTF8.self) }
        case NewFileTag.temperature: temperature = f.peekU8()
        case NewFileTag.uniqueID: uniqueID = f.remainingBytes
        case NewFileTag.epochNumber: epochNumber = try f.readVarUInt64()
        case NewFileTag.tailSize: tailSize = try f.readVarUInt64()
        case NewFileTag.pathID: pathID = UInt32(try f.readU8("a path id"))
        default:
            guard tag & NewFileTag.nonSafeIgnoreMask == 0 else {
                throw FormatError(offset: at, "unknown must-understand new-file field \(tag)")
            }
        }
    }
}

extension ByteReader {
    /// RocksDB `GetLengthPrefixedSlice`: varint32 length, then the bytes.
    mutating func readLengthPrefixed() throws -> [UInt8] {
        let length = Int(try readVarUInt32("a length prefix"))
        return try readBytes(length, what: "a length-prefixed field")
    }

    /// `readLengthPrefixed` as a reader over the field's bytes (no copy; offsets stay the file's).
    mutating func readLengthPrefixedSlice() throws -> ByteReader {
        let length = Int(try readVarUInt32("a length prefix"))
        return try readSlice(length, what: "a length-prefixed field")
    }

    mutating func readLengthPrefixedString() throws -> String {
        String(decoding: try readLengthPrefixed(), as: UTF8.self)
    }

    mutating func readInternalKey() throws -> InternalKey {
        let at = fileOffset
        var field = try readLengthPrefixedSlice()
        return try field.withBytes(field.remaining) { try InternalKey(encoded: $0.assumingMemoryBound(to: UInt8.self), at: at) }
    }
}
