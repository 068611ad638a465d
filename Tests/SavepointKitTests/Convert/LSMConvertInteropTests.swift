import Foundation
import LSMFormat
import SavepointKit
import SavepointMetadata
import Testing
import SavepointTestSupport

/// Writes every fixture's keyed state as a native (LSM) savepoint for real Flink to restore, when
/// `LSM_CONVERT_INTEROP_OUT` names an output folder (`scripts/lsm-convert-interop` sets it, then
/// runs `restore-check` and `compare-dumps` on each result; `LSM_CONVERT_INTEROP_INLINE` sets the
/// inline threshold, 1 = every file beside `_metadata`). Off by default: the checks that
/// need no JVM are in `LSMConvertWriterTests`.
///
/// The `_metadata` is assembled here only to prove the writer; the `convert` command does the same.
@Suite struct LSMConvertInteropTests {
    static let output = ProcessInfo.processInfo.environment["LSM_CONVERT_INTEROP_OUT"]

    @Test(.enabled(if: output != nil))
    func writeNativeSavepoints() throws {
        let root = URL(fileURLWithPath: try #require(Self.output))
        for fixture in Fixture.all {
            guard let path = fixture.readablePath, ["1.20.5", "2.3.0"].contains(fixture.directory.pathComponents.suffix(3).first)
            else { continue }
            let savepoint = try Savepoint.open(path)
            let target = root.appendingPathComponent(fixture.directory.pathComponents.suffix(3).joined(separator: "/"))
            try? FileManager.default.removeItem(at: target)
            let dir = target.appendingPathComponent("savepoint")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            do {
                let metadata = try Self.convert(savepoint, into: dir, release: fixture.description.hasPrefix("1.") ? .frocksdb6_20 : .frocksdb8_10)
                try Data(try metadata.serialized()).write(to: dir.appendingPathComponent("_metadata"))
                try FileManager.default.copyItem(at: fixture.directory.appendingPathComponent("fixture.json"),
                                                 to: target.appendingPathComponent("fixture.json"))
                try FileManager.default.copyItem(at: URL(fileURLWithPath: fixture.expectedPath),
                                                 to: target.appendingPathComponent("expected.jsonl"))
            } catch let e as SkipConversion {
                try? FileManager.default.removeItem(at: target)
                print("skip \(fixture): \(e.reason)")
            }
        }
    }

    struct SkipConversion: Error { var reason: String }

    static func convert(_ savepoint: Savepoint, into dir: URL, release: RocksDBRelease) throws -> CheckpointMetadata {
        let threshold = ProcessInfo.processInfo.environment["LSM_CONVERT_INTEROP_INLINE"].flatMap { Int($0) }
        let placement = StreamPlacement(directory: dir, finalDirectory: dir,
                                        inlineThreshold: threshold ?? StreamPlacement.flinkDefaultInlineThreshold)
        var metadata = savepoint.metadata
        for (o, op) in metadata.operatorStates.enumerated() {
            metadata.operatorStates[o].coordinatorState = try op.coordinatorState.map { try copy($0, savepoint, placement) }
            for (s, subtask) in op.subtaskStates.enumerated() {
                guard var state = subtask.state else { continue }
                state.managedOperatorState = try state.managedOperatorState.map {
                    OperatorStateHandle(stateNameToPartitionOffsets: $0.stateNameToPartitionOffsets,
                                        delegate: try copy($0.delegate, savepoint, placement))
                }
                state.rawOperatorState = try state.rawOperatorState.map {
                    OperatorStateHandle(stateNameToPartitionOffsets: $0.stateNameToPartitionOffsets,
                                        delegate: try copy($0.delegate, savepoint, placement))
                }
                if state.rawKeyedState != nil { throw SkipConversion(reason: "raw keyed state") }
                if let keyed = state.managedKeyedState {
                    var options = LSMWriteOptions(compression: .snappy, release: release, checkpointId: metadata.checkpointId)
                    options.keyGroupCompressionFlag = false
                    let handle: IncrementalRemoteKeyedStateHandle
                    switch keyed {
                    case let .incrementalRemote(h):
                        let reader = try LSMRawKeyedStateReader(savepoint: savepoint, handle: h, of: op)
                        handle = try LSMKeyedStateWriter.write(reader, options: options, placement: placement)
                    case let .keyGroups(h):
                        let stream = try savepoint.openKeyedStream(keyed, of: op)
                        guard stream.layout == .canonical else { throw SkipConversion(reason: "heap layout") }
                        handle = try LSMKeyedStateWriter.write(
                            CanonicalStreamTestReader(stream: stream, keyGroupRange: h.keyGroupRange),
                            options: options, placement: placement)
                    default:
                        throw SkipConversion(reason: "changelog handle")
                    }
                    state.managedKeyedState = .incrementalRemote(handle)
                }
                metadata.operatorStates[o].subtaskStates[s].state = state
            }
        }
        metadata.checkpointProperties = metadata.checkpointProperties.map(nativeTrailer)
        return metadata
    }

    static func copy(_ stream: StreamStateHandle, _ savepoint: Savepoint, _ placement: StreamPlacement) throws -> StreamStateHandle {
        let source = try savepoint.openStream(stream)
        return try placement.place(try source.read(0..<source.size))
    }

    /// The properties trailer's `SavepointFormatType` enum constant: `CANONICAL` → `NATIVE`.
    static func nativeTrailer(_ bytes: [UInt8]) -> [UInt8] {
        let canonical: [UInt8] = [0x74, 0x00, 0x09] + Array("CANONICAL".utf8)
        let native: [UInt8] = [0x74, 0x00, 0x06] + Array("NATIVE".utf8)
        guard let at = (0...max(0, bytes.count - canonical.count)).first(where: { bytes[$0..<min(bytes.count, $0 + canonical.count)].elementsEqual(canonical) })
        else { return bytes }
        return Array(bytes[..<at]) + native + Array(bytes[(at + canonical.count)...])
    }
}
