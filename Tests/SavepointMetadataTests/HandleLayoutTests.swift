import Bytes
import Testing
@testable import SavepointMetadata

/// One operator with one subtask whose slots hold hand-encoded handle bytes.
private func singleSubtask(
    version: Int32 = 6,
    managedOperator: ((inout Encoder) -> Void)? = nil,
    managedKeyed: (inout Encoder) -> Void = { $0.i8(0) },
    inputChannels: (count: Int32, encode: (inout Encoder) -> Void) = (0, { _ in }),
    outputChannels: (count: Int32, encode: (inout Encoder) -> Void) = (0, { _ in })
) -> [UInt8] {
    var e = Encoder()
    e.header(version: version, checkpointId: 42)
    e.i32(0)
    e.i32(1)
    e.operatorHead(name: "op", uid: "op-uid", id: FlinkHashing.operatorID(forUid: "op-uid"),
                   parallelism: 1, maxParallelism: 128, version: version)
    if version >= 3 { e.i8(0) }
    e.i32(1)
    e.i32(0)
    if version == 2 { e.i64(-1); e.i32(0) }
    if let managedOperator { e.i32(1); managedOperator(&e) } else { e.i32(0) }
    e.i32(0)
    managedKeyed(&e)
    e.i8(0)
    if version >= 3 {
        e.i32(inputChannels.count); inputChannels.encode(&e)
        e.i32(outputChannels.count); outputChannels.encode(&e)
    }
    if version >= 4 { e.raw(canonicalSavepointProperties) }
    return e.bytes
}

private func onlySubtask(_ bytes: [UInt8]) throws -> OperatorSubtaskState {
    let metadata = try CheckpointMetadata.read(from: bytes)
    #expect(try metadata.serialized() == bytes, "round trip must be byte-identical")
    return try #require(metadata.operatorStates.first?.subtaskState(0))
}

@Suite struct StreamHandleLayoutTests {
    private func keyedDelegate(_ encode: @escaping (inout Encoder) -> Void) throws -> StreamStateHandle {
        let bytes = singleSubtask(managedKeyed: { e in
            e.i8(7); e.i32(0); e.i32(1); e.i64(5); encode(&e)
        })
        guard case let .keyGroups(handle)? = try onlySubtask(bytes).managedKeyedState else {
            throw FormatError(offset: 0, "expected key groups")
        }
        return handle.delegate
    }

    @Test func byteStreamIsNameThenLengthThenBytes() throws {
        let handle = try keyedDelegate { $0.byteStream("inline-name", [9, 8, 7]) }
        #expect(handle == .byteStream(name: "inline-name", data: [9, 8, 7]))
        #expect(handle.stateSize == 3)
    }

    @Test func fileHandleHasSizeBeforePath() throws {
        let handle = try keyedDelegate { $0.file("file:/tmp/savepoint-1/abc", size: 77) }
        #expect(handle == .file(path: "file:/tmp/savepoint-1/abc", size: 77))
    }

    @Test func relativeFileHandleHasPathBeforeSize() throws {
        let handle = try keyedDelegate { $0.relativeFile("abc", size: 78) }
        #expect(handle == .relativeFile(relativePath: "abc", size: 78))
        #expect(handle.stateSize == 78)
    }

    @Test func segmentFileHandle() throws {
        let handle = try keyedDelegate { e in
            e.i8(15); e.i64(4096); e.i64(100); e.i32(1); e.utf("file:/ckp/job/shared/seg-1"); e.utf("logical-7")
        }
        let expected = SegmentFileStateHandle(
            filePath: "file:/ckp/job/shared/seg-1", startPosition: 4096, stateSize: 100, scope: .shared,
            logicalFileId: "logical-7")
        #expect(handle == .segmentFile(expected))
        #expect(handle.stateSize == 100)
    }

    @Test func emptySegmentFileHandle() throws {
        #expect(try keyedDelegate { $0.i8(16) } == .emptySegmentFile)
    }

    @Test func nestedKeyGroupsHandleAsStream() throws {
        let handle = try keyedDelegate { e in
            e.i8(3); e.i32(0); e.i32(2); e.i64(10); e.i64(0); e.relativeFile("inner", size: 50)
        }
        guard case let .keyGroups(inner) = handle else {
            Issue.record("expected a nested key-groups handle, found \(handle)")
            return
        }
        #expect(inner.kind == .legacy)
        #expect(inner.offsets == [10, 0])
        #expect(handle.leafStreams == [.relativeFile(relativePath: "inner", size: 50)])
        #expect(handle.stateSize == 50)
    }

    @Test func unknownStreamTagIsAnErrorAtItsOffset() {
        let bytes = singleSubtask(managedKeyed: { e in e.i8(7); e.i32(0); e.i32(1); e.i64(5); e.i8(42) })
        let expectedOffset = bytes.count - 745 - 1 - 8 - 1
        do {
            _ = try CheckpointMetadata.read(from: bytes)
            Issue.record("tag 42 must not parse")
        } catch let error as FormatError {
            #expect(error.offset == expectedOffset)
            #expect(error.message.contains("found 42"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}

@Suite struct KeyedHandleLayoutTests {
    @Test func keyGroupsV2CarriesStateHandleId() throws {
        let state = try onlySubtask(singleSubtask(managedKeyed: { e in
            e.i8(12); e.i32(3); e.i32(2); e.i64(11); e.i64(22); e.relativeFile("f", size: 9); e.utf("handle-id")
        }))
        guard case let .keyGroups(handle)? = state.managedKeyedState else { Issue.record("no handle"); return }
        #expect(handle.kind == .checkpoint)
        #expect(handle.keyGroupRange.startKeyGroup == 3 && handle.keyGroupRange.endKeyGroup == 4)
        #expect(handle.offset(forKeyGroup: 4) == 22)
        #expect(handle.stateHandleId == "handle-id")
    }

    @Test func legacyKeyGroupsHandleHasNoId() throws {
        let state = try onlySubtask(singleSubtask(managedKeyed: { e in
            e.i8(3); e.i32(0); e.i32(1); e.i64(11); e.relativeFile("f", size: 9)
        }))
        guard case let .keyGroups(handle)? = state.managedKeyedState else { Issue.record("no handle"); return }
        #expect(handle.kind == .legacy && handle.stateHandleId == nil)
    }

    @Test func incrementalRemoteV2ListsRocksDBFiles() throws {
        let state = try onlySubtask(singleSubtask(managedKeyed: { e in
            e.i8(11); e.i64(5); e.utf("4b8c1d4e-0000-0000-0000-000000000000"); e.i32(0); e.i32(128)
            e.i64(1000)
            e.byteStream("meta", [UInt8](repeating: 1, count: 40))
            e.i32(0)                                         // shared
            e.i32(2)                                         // private
            e.utf("000019.sst"); e.relativeFile("sst-file", size: 900)
            e.utf("CURRENT"); e.byteStream("current", Array("MANIFEST-000005\n".utf8))
            e.utf("state-handle-1")
        }))
        guard case let .incrementalRemote(handle)? = state.managedKeyedState else { Issue.record("no handle"); return }
        #expect(handle.kind == .v2)
        #expect(handle.checkpointId == 5)
        #expect(handle.checkpointedSize == 1000)
        #expect(handle.keyGroupRange.numberOfKeyGroups == 128)
        #expect(handle.sharedState.isEmpty)
        #expect(handle.privateState.map(\.localPath) == ["000019.sst", "CURRENT"])
        #expect(handle.stateHandleId == "state-handle-1")
        #expect(handle.stateSize == 40 + 900 + 16)
        #expect(state.streamStateHandles.count == 3)
    }

    @Test func incrementalRemoteV1HasNoSizeNorId() throws {
        let state = try onlySubtask(singleSubtask(managedKeyed: { e in
            e.i8(5); e.i64(5); e.utf("backend"); e.i32(0); e.i32(128)
            e.i8(0)                                          // no meta handle
            e.i32(1); e.utf("shared.sst"); e.file("file:/x/shared/a", size: 3)
            e.i32(0)
        }))
        guard case let .incrementalRemote(handle)? = state.managedKeyedState else { Issue.record("no handle"); return }
        #expect(handle.kind == .v1 && handle.checkpointedSize == nil && handle.stateHandleId == nil)
        #expect(handle.metaDataState == nil)
        #expect(handle.sharedState == [HandleAndLocalPath(localPath: "shared.sst", handle: .file(path: "file:/x/shared/a", size: 3))])
    }

    @Test func changelogHandlesRoundTrip() throws {
        for backendTag: UInt8 in [8, 14] {
            for streamTag: UInt8 in [10, 13] {
                let state = try onlySubtask(singleSubtask(managedKeyed: { e in
                    e.i8(backendTag); e.i32(0); e.i32(128); e.i64(500)
                    e.i32(1)                                 // materialized
                    e.i8(7); e.i32(0); e.i32(1); e.i64(1); e.relativeFile("m", size: 100)
                    e.i32(2)                                 // non-materialized
                    e.i8(9); e.i32(0); e.i32(128); e.i64(1); e.i64(3)
                    e.i32(2); e.i32(5); e.i32(2); e.raw([1, 2]); e.i32(-1); e.i32(1); e.raw([3])
                    e.utf("mem-id")
                    e.i8(streamTag); e.i32(0); e.i32(128)
                    e.i32(1); e.i64(64); e.file("file:/dstl/x", size: 200)
                    e.i64(150); e.i64(150); e.utf("stream-id")
                    if streamTag == 13 { e.utf("filesystem") }
                    e.i64(7)                                 // materialization id
                    if backendTag == 14 { e.i64(9) }
                    e.utf("backend-id")
                }))
                guard case let .changelogBackend(handle)? = state.managedKeyedState else { Issue.record("no handle"); return }
                #expect(handle.materializationId == 7)
                #expect(handle.checkpointId == (backendTag == 14 ? 9 : nil))
                #expect(handle.nonMaterializedStateHandles.count == 2)
                guard case let .changelogInMemory(memory)? = handle.nonMaterializedStateHandles[0] else {
                    Issue.record("expected in-memory changelog"); return
                }
                #expect(memory.changes == [.init(keyGroup: 5, change: [1, 2]), .init(keyGroup: -1, change: [3])])
                #expect(handle.stateSize == 100 + 3 + 150)
            }
        }
    }

    @Test func unknownKeyedTagIsAnError() {
        #expect(throws: FormatError.self) {
            try CheckpointMetadata.read(from: singleSubtask(managedKeyed: { $0.i8(4) }))
        }
    }
}

@Suite struct OperatorHandleLayoutTests {
    @Test func distributionModesAndOrderAreKept() throws {
        let state = try onlySubtask(singleSubtask(managedOperator: { e in
            e.i8(4); e.i32(3)
            e.utf("union-state"); e.i8(1); e.i32(2); e.i64(10); e.i64(20)
            e.utf("broadcast-state"); e.i8(2); e.i32(0)
            e.utf("split-state"); e.i8(0); e.i32(1); e.i64(30)
            e.relativeFile("op-file", size: 64)
        }))
        let handle = try #require(state.managedOperatorState)
        #expect(handle.stateNameToPartitionOffsets.map(\.name) == ["union-state", "broadcast-state", "split-state"])
        #expect(handle.stateNameToPartitionOffsets.map(\.mode) == [.union, .broadcast, .splitDistribute])
        #expect(handle.state(named: "union-state")?.offsets == [10, 20])
        #expect(handle.stateSize == 64)
    }

    @Test func fileMergingHandleCarriesDirectories() throws {
        let state = try onlySubtask(singleSubtask(managedOperator: { e in
            e.i8(17); e.i32(1); e.utf("s"); e.i8(0); e.i32(1); e.i64(0)
            e.utf("file:/ckp/job/taskowned/tm-1"); e.utf("file:/ckp/job/shared/op-1"); e.i8(0)
            e.i8(15); e.i64(0); e.i64(12); e.i32(0); e.utf("file:/ckp/job/taskowned/tm-1/seg"); e.utf("lf")
        }))
        let handle = try #require(state.managedOperatorState)
        #expect(handle.fileMerging == .init(
            taskOwnedDirectory: "file:/ckp/job/taskowned/tm-1", sharedDirectory: "file:/ckp/job/shared/op-1", isEmpty: false))
    }

    @Test func badModeIsAnError() {
        #expect(throws: FormatError.self) {
            try CheckpointMetadata.read(from: singleSubtask(managedOperator: { e in
                e.i8(4); e.i32(1); e.utf("s"); e.i8(3); e.i32(0); e.relativeFile("f", size: 1)
            }))
        }
    }
}

@Suite struct ChannelHandleLayoutTests {
    private func single(_ e: inout Encoder) {
        e.i32(0); e.i32(1); e.i32(2); e.i32(2); e.i64(0); e.i64(100); e.i64(300); e.relativeFile("ch", size: 300)
    }

    @Test func untypedHandlesBeforeVersion6() throws {
        for version: Int32 in [3, 4, 5] {
            let state = try onlySubtask(singleSubtask(
                version: version, inputChannels: (1, single), outputChannels: (1, single)))
            let expected = ChannelStateHandle(
                subtaskIndex: 0, content: .channel(info: .init(gateOrPartitionIndex: 1, channelOrSubpartitionIndex: 2), offsets: [0, 100]),
                stateSize: 300, delegate: .relativeFile(relativePath: "ch", size: 300))
            #expect(state.inputChannelState == [expected])
            #expect(state.resultSubpartitionState == [expected])
            #expect(state.channelStateSize == 600)
        }
    }

    @Test func typedAndMergedHandlesInVersion6() throws {
        let state = try onlySubtask(singleSubtask(
            version: 6,
            inputChannels: (2, { e in
                e.i8(1); self.single(&e)
                e.i8(3); e.i32(0); e.i64(50); e.relativeFile("merged", size: 50); e.i32(3); e.raw([7, 7, 7])
            }),
            outputChannels: (1, { e in e.i8(4); e.i32(0); e.i64(20); e.byteStream("m", [1]); e.i32(0) })))
        #expect(state.inputChannelState.count == 2)
        #expect(state.inputChannelState[1].content == .merged(serializedChannelOffsets: [7, 7, 7]))
        #expect(state.resultSubpartitionState.first?.content == .merged(serializedChannelOffsets: []))
    }

    @Test func outputTypeInInputListIsAnError() {
        #expect(throws: FormatError.self) {
            try CheckpointMetadata.read(from: singleSubtask(version: 6, inputChannels: (1, { e in e.i8(2); self.single(&e) })))
        }
    }

    @Test func mergedHandleCannotBeWrittenBeforeVersion6() throws {
        var metadata = try CheckpointMetadata.read(from: singleSubtask(version: 6, inputChannels: (1, { e in
            e.i8(3); e.i32(0); e.i64(50); e.relativeFile("merged", size: 50); e.i32(0)
        })))
        metadata.version = 5
        #expect(throws: FormatError.self) { try metadata.serialized() }
    }
}
