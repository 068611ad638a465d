import Bytes

/// The `_metadata` file of a savepoint or retained checkpoint (`CheckpointMetadata` with its
/// version header, `Checkpoints.storeCheckpointMetadata`): every operator's state handles.
///
/// Reading keeps everything needed to write the same bytes back: `serialized()` of a file read
/// by `read(from:)` is byte-identical to the input.
public struct CheckpointMetadata: Sendable, Equatable {
    /// `Checkpoints.HEADER_MAGIC_NUMBER`.
    public static let magicNumber: UInt32 = 0x4960_672D
    public static let supportedVersions = MetadataLayout.supportedVersions

    /// Metadata format version: 2…6 (Flink 2.3 writes 6).
    public var version: Int32
    public var checkpointId: Int64
    public var masterStates: [MasterState]
    public var operatorStates: [OperatorState]
    /// V4+: the Java-serialized `CheckpointProperties` after the body, verbatim (nil before V4).
    public var checkpointProperties: [UInt8]?
    /// Whether operator uids (and names) are written: metadata version 5 and later.
    public var storesOperatorUids: Bool { MetadataLayout(version: version).hasOperatorNameAndUid }

    public init(
        version: Int32, checkpointId: Int64, masterStates: [MasterState] = [],
        operatorStates: [OperatorState] = [], checkpointProperties: [UInt8]? = nil
    ) {
        self.version = version
        self.checkpointId = checkpointId
        self.masterStates = masterStates
        self.operatorStates = operatorStates
        self.checkpointProperties = checkpointProperties
    }

    /// The operator with this id, if present.
    public func operatorState(_ id: OperatorID) -> OperatorState? {
        operatorStates.first { $0.operatorID == id }
    }

    /// The operator whose uid is `uid`: by the stored uid (V5+) or by the id Flink derives from it.
    public func operatorState(uid: String) -> OperatorState? {
        operatorStates.first { $0.uid == uid } ?? operatorState(OperatorID(uid: uid))
    }

    // MARK: reading

    /// Parses a whole `_metadata` file. Errors carry the byte offset and what was expected.
    public static func read(from bytes: [UInt8]) throws -> CheckpointMetadata {
        var reader = ByteReader(bytes)
        let layout = try readHeader(from: &reader)
        var metadata = CheckpointMetadata(version: layout.version, checkpointId: 0)
        try metadata.readBody(from: &reader, layout: layout)
        if layout.hasCheckpointProperties {
            // Checked like Flink's readObject would (a cut trailer is an error); kept verbatim.
            _ = try JavaSerializationStream.read(from: reader)
            metadata.checkpointProperties = reader.remainingBytes
        } else if !reader.isAtEnd {
            throw reader.error("expected the end of a version \(layout.version) file, found \(reader.remaining) trailing bytes")
        }
        return metadata
    }

    /// `i32 magic, i32 version`; versions 1 and > 6 are refused with a clear message.
    private static func readHeader(from reader: inout ByteReader) throws -> MetadataLayout {
        let magic = try reader.readU32("the _metadata magic number")
        guard magic == magicNumber else {
            throw reader.error(
                "expected the _metadata magic number 0x4960672d, found 0x\(String(magic, radix: 16))", at: 0)
        }
        let at = reader.index
        let version = try reader.readI32("the metadata version")
        guard supportedVersions.contains(version) else {
            throw reader.error("unsupported metadata version \(version) (readable: 2 to 6)", at: at)
        }
        return MetadataLayout(version: version)
    }

    private mutating func readBody(from reader: inout ByteReader, layout: MetadataLayout) throws {
        let idAt = reader.index
        checkpointId = try reader.readI64("the checkpoint id")
        guard checkpointId >= 0 else {
            throw reader.error("expected a checkpoint id >= 0, found \(checkpointId)", at: idAt)
        }
        let masterCount = try reader.readElementCount("the number of master states", minimumBytes: 8)
        for _ in 0..<masterCount { masterStates.append(try MasterState.read(from: &reader)) }
        let operatorCount = try reader.readElementCount("the number of operator states", minimumBytes: 28)
        operatorStates.reserveCapacity(operatorCount)
        for _ in 0..<operatorCount {
            operatorStates.append(try OperatorState.read(from: &reader, layout: layout))
        }
    }

    // MARK: writing

    /// The `_metadata` bytes, in the layout of `version`.
    public func serialized() throws -> [UInt8] {
        guard Self.supportedVersions.contains(version) else {
            throw FormatError(offset: 4, "unsupported metadata version \(version) (writable: 2 to 6)")
        }
        let layout = MetadataLayout(version: version)
        var writer = ByteWriter(capacity: 4096)
        writer.writeU32(Self.magicNumber)
        writer.writeI32(version)
        writer.writeI64(checkpointId)
        try writer.writeElementCount(masterStates.count, "master states")
        for master in masterStates { try master.write(to: &writer) }
        try writer.writeElementCount(operatorStates.count, "operator states")
        for op in operatorStates { try op.write(to: &writer, layout: layout) }
        try writeProperties(to: &writer, layout: layout)
        return writer.bytes
    }

    private func writeProperties(to writer: inout ByteWriter, layout: MetadataLayout) throws {
        if layout.hasCheckpointProperties {
            guard let checkpointProperties else {
                throw FormatError(offset: writer.count, "metadata version \(version) needs checkpoint properties")
            }
            writer.writeBytes(checkpointProperties)
        } else if checkpointProperties != nil {
            throw FormatError(offset: writer.count, "metadata version \(version) cannot hold checkpoint properties")
        }
    }
}
