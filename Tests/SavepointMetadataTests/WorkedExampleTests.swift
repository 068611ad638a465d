import Bytes
import Testing
@testable import SavepointMetadata

@Suite struct WorkedExampleTests {
    @Test func propertiesConstantHasDocumentedLength() {
        #expect(canonicalSavepointProperties.count == 745)
        #expect(Array(canonicalSavepointProperties.prefix(4)) == [0xAC, 0xED, 0x00, 0x05])
    }

    @Test func readsTheDocumentedFields() throws {
        let metadata = try CheckpointMetadata.read(from: workedExampleMetadata())
        #expect(metadata.version == 6)
        #expect(metadata.checkpointId == 1)
        #expect(metadata.masterStates.isEmpty)
        #expect(metadata.checkpointProperties == canonicalSavepointProperties)
        #expect(metadata.operatorStates.count == 2)

        let counter = try #require(metadata.operatorState(uid: "counter"))
        #expect(counter.name == "KeyedProcess")
        #expect(counter.operatorID.hex == "0da08f51eaa85fc298e176a139b3649a")
        #expect(counter.parallelism == 2)
        #expect(counter.maxParallelism == 128)
        #expect(counter.coordinatorState == nil)
        #expect(counter.subtaskStates.map(\.subtaskIndex) == [0, 1])

        let subtask0 = try #require(counter.subtaskState(0))
        guard case let .keyGroups(handle)? = subtask0.managedKeyedState else {
            Issue.record("expected a key-groups handle, found \(String(describing: subtask0.managedKeyedState))")
            return
        }
        #expect(handle.kind == .savepoint)
        #expect(handle.keyGroupRange == KeyGroupRange(startKeyGroup: 0, endKeyGroup: 63))
        #expect(handle.offsets.count == 64)
        #expect(handle.offset(forKeyGroup: 1) == 1967)
        #expect(handle.offset(forKeyGroup: 0) == 0)
        #expect(handle.offset(forKeyGroup: 64) == nil)
        #expect(handle.delegate == .relativeFile(relativePath: "793b4d12-182f-4e60-8de1-2688b3c1e0b0", size: 151_472))
        #expect(subtask0.rawKeyedState == nil)
        #expect(subtask0.managedOperatorState == nil)

        let subtask1 = try #require(counter.subtaskState(1))
        #expect(subtask1.managedKeyedState?.keyGroupRange == KeyGroupRange(startKeyGroup: 64, numberOfKeyGroups: 64))
    }

    @Test func readsOperatorStateOfTheSource() throws {
        let metadata = try CheckpointMetadata.read(from: workedExampleMetadata())
        let source = try #require(metadata.operatorState(OperatorID(uid: "source")))
        #expect(source.operatorID.hex == "e5a72f353fc1e6bbf3bd96a41384998c")
        let handle = try #require(source.subtaskState(0)?.managedOperatorState)
        #expect(handle.fileMerging == nil)
        #expect(handle.stateNameToPartitionOffsets == [.init(name: "offsets", mode: .splitDistribute, offsets: [190])])
        guard case let .byteStream(name, data) = handle.delegate else {
            Issue.record("expected inline operator state")
            return
        }
        #expect(name == "file:/tmp/sp/f77bffd2-0000")
        #expect(data.count == 198)
    }

    @Test func roundTripIsByteIdentical() throws {
        let bytes = workedExampleMetadata()
        #expect(try CheckpointMetadata.read(from: bytes).serialized() == bytes)
    }

    @Test func sizesAddUp() throws {
        let metadata = try CheckpointMetadata.read(from: workedExampleMetadata())
        let counter = try #require(metadata.operatorState(uid: "counter"))
        #expect(counter.subtaskState(0)?.stateSize == 151_472)
        #expect(counter.stateSize == 2 * 151_472)
        let source = try #require(metadata.operatorState(uid: "source"))
        #expect(source.stateSize == 198)
        #expect(metadata.stateSize == 2 * 151_472 + 198)
        #expect(metadata.streamStateHandles.count == 3)
    }
}
