import Bytes
import Testing
@testable import SavepointMetadata

private func expectFormatError(_ bytes: [UInt8], containing text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try CheckpointMetadata.read(from: bytes)
        Issue.record("expected an error containing \"\(text)\"", sourceLocation: sourceLocation)
    } catch let error as FormatError {
        #expect(error.message.contains(text), "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct VersionTests {
    /// V2 (Flink's `MetadataV2Serializer`): chain length per operator, duration and legacy count per subtask, no coordinator.
    @Test func version2() throws {
        var e = Encoder()
        e.header(version: 2, checkpointId: 7)
        e.i32(0); e.i32(1)
        e.raw(FlinkHashing.operatorID(forUid: "old")); e.i32(1); e.i32(128)
        e.i32(1)                                       // chain length
        e.i32(1)
        e.i32(0); e.i64(-1); e.i32(0)                  // index, duration, legacy count
        e.i32(0); e.i32(0)
        e.i8(3); e.i32(0); e.i32(1); e.i64(4); e.file("file:/old/savepoint-a/x", size: 10)
        e.i8(0)
        let metadata = try CheckpointMetadata.read(from: e.bytes)
        #expect(metadata.version == 2 && metadata.checkpointId == 7)
        #expect(metadata.checkpointProperties == nil)
        let op = try #require(metadata.operatorStates.first)
        #expect(op.name == nil && op.uid == nil && op.legacyChainLength == 1)
        #expect(op.subtaskState(0)?.legacyDuration == -1)
        #expect(try metadata.serialized() == e.bytes)
        expectFormatError(e.bytes + [0], containing: "trailing")
    }

    @Test func version2RejectsLegacyState() {
        var e = Encoder()
        e.header(version: 2)
        e.i32(0); e.i32(1)
        e.raw(FlinkHashing.operatorID(forUid: "old")); e.i32(1); e.i32(128); e.i32(1); e.i32(1)
        e.i32(0); e.i64(-1); e.i32(1)
        expectFormatError(e.bytes, containing: "legacy")
    }

    /// V3: master state, coordinator state, finished operator and finished subtask markers.
    @Test func version3WithFinishedMarkersAndMasterState() throws {
        var e = Encoder()
        e.header(version: 3, checkpointId: 12)
        e.i32(1)
        e.w.writeU32(0xC96B_1696)
        var block = Encoder()
        block.i32(2); block.utf("hook"); block.i32(3); block.raw([1, 2, 3])
        e.i32(Int32(block.bytes.count)); e.raw(block.bytes)
        e.i32(2)
        e.raw(FlinkHashing.operatorID(forUid: "done")); e.i32(2); e.i32(128)
        e.i8(0); e.i32(-1)                             // fully finished
        e.raw(FlinkHashing.operatorID(forUid: "half")); e.i32(3); e.i32(128)
        e.byteStream("coordinator", [5, 5])
        e.i32(2)
        e.i32(-3)                                      // subtask 2 finished
        e.i32(0); e.i32(0); e.i32(0); e.i8(0); e.i8(0); e.i32(0); e.i32(0)
        let metadata = try CheckpointMetadata.read(from: e.bytes)
        #expect(metadata.masterStates == [MasterState(name: "hook", version: 2, bytes: [1, 2, 3])])
        let done = try #require(metadata.operatorState(uid: "done"))
        #expect(done.isFullyFinished && done.subtaskStates.isEmpty)
        let half = try #require(metadata.operatorState(uid: "half"))
        #expect(half.coordinatorState == .byteStream(name: "coordinator", data: [5, 5]))
        #expect(half.subtaskStates.map(\.subtaskIndex) == [2, 0])
        #expect(half.subtaskStates.map(\.isFinished) == [true, false])
        #expect(half.subtaskState(0)?.isEmpty == true)
        #expect(half.stateSize == 2)
        #expect(try metadata.serialized() == e.bytes)
    }

    @Test func version4KeepsPropertiesVerbatim() throws {
        var e = Encoder()
        e.header(version: 4)
        e.i32(0); e.i32(0)
        e.raw([0xAC, 0xED, 0x00, 0x05, 0x70])
        let metadata = try CheckpointMetadata.read(from: e.bytes)
        #expect(metadata.checkpointProperties == [0xAC, 0xED, 0x00, 0x05, 0x70])
        #expect(try metadata.serialized() == e.bytes)
    }

    @Test func version5NamesAndUids() throws {
        var e = Encoder()
        e.header(version: 5)
        e.i32(0); e.i32(2)
        e.operatorHead(name: "Map", uid: nil, id: Array(repeating: 0x11, count: 16), parallelism: 1, maxParallelism: 128, version: 5)
        e.i8(0); e.i32(0)
        e.operatorHead(name: nil, uid: "üid-😀", id: FlinkHashing.operatorID(forUid: "üid-😀"), parallelism: 1, maxParallelism: 128, version: 5)
        e.i8(0); e.i32(0)
        e.raw(canonicalSavepointProperties)
        let metadata = try CheckpointMetadata.read(from: e.bytes)
        #expect(metadata.operatorStates.map(\.name) == ["Map", nil])
        #expect(metadata.operatorStates.map(\.uid) == [nil, "üid-😀"])
        #expect(metadata.operatorStates[1].operatorID.hex == "cfb82e70d834461663087eaa4ace60ad")
        #expect(metadata.operatorStates[0].operatorID == OperatorID(hex: "11111111111111111111111111111111"))
        #expect(try metadata.serialized() == e.bytes)
    }

    @Test(arguments: [Int32(0), 1, 7, -1, 1000])
    func unsupportedVersions(_ version: Int32) {
        var e = Encoder()
        e.header(version: version)
        e.i32(0); e.i32(0)
        expectFormatError(e.bytes, containing: "unsupported metadata version \(version)")
    }

    @Test func badMagic() {
        expectFormatError([0x49, 0x60, 0x67, 0x2E, 0, 0, 0, 6], containing: "magic")
    }

    @Test func negativeCheckpointId() {
        var e = Encoder()
        e.header(version: 3, checkpointId: -5)
        e.i32(0); e.i32(0)
        expectFormatError(e.bytes, containing: "checkpoint id")
    }

    @Test func masterStateMustFillItsBlock() {
        var e = Encoder()
        e.header(version: 3)
        e.i32(1)
        e.w.writeU32(0xC96B_1696)
        var block = Encoder()
        block.i32(1); block.utf("hook"); block.i32(0); block.raw([9])
        e.i32(Int32(block.bytes.count)); e.raw(block.bytes)
        e.i32(0)
        expectFormatError(e.bytes, containing: "trailing")
    }

    @Test func finishedOperatorMustNotHaveCoordinatorState() {
        var e = Encoder()
        e.header(version: 3)
        e.i32(0); e.i32(1)
        e.raw(FlinkHashing.operatorID(forUid: "x")); e.i32(1); e.i32(128)
        e.byteStream("c", [1]); e.i32(-1)
        expectFormatError(e.bytes, containing: "coordinator")
    }

    @Test func coordinatorStateMustBeInline() {
        var e = Encoder()
        e.header(version: 3)
        e.i32(0); e.i32(1)
        e.raw(FlinkHashing.operatorID(forUid: "x")); e.i32(1); e.i32(128)
        e.relativeFile("c", size: 1); e.i32(0)
        expectFormatError(e.bytes, containing: "coordinator")
    }

    @Test func writerRefusesPropertiesForVersion3AndMissingForVersion4() {
        #expect(throws: FormatError.self) {
            try CheckpointMetadata(version: 3, checkpointId: 1, checkpointProperties: [1]).serialized()
        }
        #expect(throws: FormatError.self) { try CheckpointMetadata(version: 4, checkpointId: 1).serialized() }
    }

    /// A model built in code, written in every version that can hold it and read back unchanged.
    @Test(arguments: [Int32(2), 3, 4, 5, 6])
    func modelSurvivesEveryVersion(_ version: Int32) throws {
        let keyed = KeyedStateHandle.keyGroups(KeyGroupsStateHandle(
            kind: .savepoint, keyGroupRange: KeyGroupRange(maxParallelism: 128, parallelism: 2, subtaskIndex: 1),
            offsets: Array(repeating: 0, count: 64), delegate: .relativeFile(relativePath: "kg", size: 3)))
        let subtask = OperatorSubtaskState(managedKeyedState: keyed)
        let op = OperatorState(
            name: version >= 5 ? "Window" : nil, uid: version >= 5 ? "window" : nil, operatorID: OperatorID(uid: "window"),
            parallelism: 2, maxParallelism: 128, subtaskStates: [.init(subtaskIndex: 1, state: subtask)])
        let metadata = CheckpointMetadata(
            version: version, checkpointId: 3, operatorStates: [op],
            checkpointProperties: version >= 4 ? canonicalSavepointProperties : nil)
        let bytes = try metadata.serialized()
        let reread = try CheckpointMetadata.read(from: bytes)
        #expect(reread == metadata)
        #expect(try reread.serialized() == bytes)
        #expect(reread.operatorStates[0].subtaskState(1)?.managedKeyedState?.keyGroupRange.startKeyGroup == 64)
    }
}
