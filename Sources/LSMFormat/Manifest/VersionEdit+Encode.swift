import Bytes

extension VersionEdit {
    /// Encodes the edit as RocksDB's `EncodeTo` lays the fields out (NewFile4 for new files):
    /// the mirror of `decode`, used to write MANIFESTs.
    public func encode() -> [UInt8] {
        typealias T = VersionEditTag
        var w = ByteWriter()
        if let comparator { w.writeVarUInt32(T.comparator); w.writeLengthPrefixed(Array(comparator.utf8)) }
        if let logNumber { w.writeVarUInt32(T.logNumber); w.writeVarUInt64(logNumber) }
        if let prevLogNumber { w.writeVarUInt32(T.prevLogNumber); w.writeVarUInt64(prevLogNumber) }
        if let nextFileNumber { w.writeVarUInt32(T.nextFileNumber); w.writeVarUInt64(nextFileNumber) }
        if let maxColumnFamily { w.writeVarUInt32(T.maxColumnFamily); w.writeVarUInt32(maxColumnFamily) }
        if let minLogNumberToKeep { w.writeVarUInt32(T.minLogNumberToKeep); w.writeVarUInt64(minLogNumberToKeep) }
        if let lastSequence { w.writeVarUInt32(T.lastSequence); w.writeVarUInt64(lastSequence) }
        for (level, number) in deletedFiles {
            w.writeVarUInt32(T.deletedFile); w.writeVarUInt32(UInt32(level)); w.writeVarUInt64(number)
        }
        for (level, file) in newFiles { file.encodeNewFile4(level: level, into: &w) }
        if columnFamily != 0 { w.writeVarUInt32(T.columnFamily); w.writeVarUInt32(columnFamily) }
        if let columnFamilyAdd { w.writeVarUInt32(T.columnFamilyAdd); w.writeLengthPrefixed(Array(columnFamilyAdd.utf8)) }
        if columnFamilyDrop { w.writeVarUInt32(T.columnFamilyDrop) }
        if let atomicGroupRemaining { w.writeVarUInt32(T.inAtomicGroup); w.writeVarUInt32(atomicGroupRemaining) }
        if let dbID { w.writeVarUInt32(T.dbID); w.writeLengthPrefixed(Array(dbID.utf8)) }
        if let persistUserDefinedTimestamps {
            w.writeVarUInt32(T.persistUserDefinedTimestamps); w.writeLengthPrefixed([persistUserDefinedTimestamps ? 1 : 0])
        }
        return w.bytes
    }
}

extension FileMetaData {
    func encodeNewFile4(level: Int, into w: inout ByteWriter) {
        w.writeVarUInt32(VersionEditTag.newFile4)
        w.writeVarUInt32(UInt32(level))
        w.writeVarUInt64(number)
        w.writeVarUInt64(size)
        w.writeLengthPrefixed(smallest.encoded)
        w.writeLengthPrefixed(largest.encoded)
        w.writeVarUInt64(smallestSequence)
        w.writeVarUInt64(largestSequence)
        func field(_ tag: UInt32, _ bytes: [UInt8]) { w.writeVarUInt32(tag); w.writeLengthPrefixed(bytes) }
        func varint(_ v: UInt64) -> [UInt8] { var f = ByteWriter(); f.writeVarUInt64(v); return f.bytes }
        if needsCompaction { field(NewFileTag.needCompaction, [1]) }
        if let oldestAncesterTime { field(NewFileTag.oldestAncesterTime, varint(oldestAncesterTime)) }
        if let fileCreationTime { field(NewFileTag.fileCreationTime, varint(fileCreationTime)) }
        if let epochNumber { field(NewFileTag.epochNumber, varint(epochNumber)) }
        if let fileChecksum { field(NewFileTag.fileChecksum, fileChecksum) }
        if let fileChecksumFunction { field(NewFileTag.fileChecksumFunction, Array(fileChecksumFunction.utf8)) }
        if pathID != 0 { field(NewFileTag.pathID, [UInt8(truncatingIfNeeded: pathID)]) }
        if let temperature { field(NewFileTag.temperature, [temperature]) }
        if let uniqueID { field(NewFileTag.uniqueID, uniqueID) }
        if let tailSize { field(NewFileTag.tailSize, varint(tailSize)) }
        w.writeVarUInt32(NewFileTag.terminate)
    }
}

extension ByteWriter {
    mutating func writeLengthPrefixed(_ bytes: [UInt8]) {
        writeVarUInt32(UInt32(bytes.count))
        writeBytes(bytes)
    }
}
