import CanonicalFormat
import LSMFormat
import SavepointKit
import SavepointMetadata
import Testing
import SavepointTestSupport

/// Deep validation checks an entry in place by walking its dump line into a `CheckOnlySink`
/// (`CanonicalEntryJSON.rendersSimply`) instead of rendering it: on every entry of a real RocksDB
/// savepoint, and on damaged copies of each, it must accept exactly what rendering accepts.
@Suite struct CheckOnlyWalkTests {
    @Test func checkingAcceptsWhatRenderingAccepts() throws {
        let fixture = try #require(Fixture.all.first { $0.form == "rocksdb-native" && $0.directory.path.contains("2.3.0/basic") })
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        var compared = 0, accepted = 0, refused = 0
        for op in savepoint.metadata.operatorStates {
            for entry in op.subtaskStates {
                guard case let .incrementalRemote(h)? = entry.state?.managedKeyedState else { continue }
                let instance = try savepoint.openLSMState(h, of: op)
                let renderers = instance.schemas.map { CanonicalEntryJSON(schema: $0, header: []) }
                try instance.forEachRawEntry { entry in
                    guard let renderer = renderers[entry.stateIndex] else { return }
                    let key = Array(entry.keyAfterPrefix), value = Array(entry.value)
                    var variants: [([UInt8], [UInt8])] = [(key, value)]
                    if !value.isEmpty { variants.append((key, Array(value.dropLast()))) }
                    variants.append((key, value + [0x2C]))
                    variants.append((Array(key.dropLast()), value))
                    variants.append((key + [0], value))
                    for i in key.indices { var k = key; k[i] |= 0x80; variants.append((k, value)) }
                    for i in value.indices.prefix(12) { var v = value; v[i] ^= 0xA5; variants.append((key, v)) }
                    for (k, v) in variants {
                        let (checks, renders) = k.withUnsafeBufferPointer { kb in
                            v.withUnsafeBufferPointer { vb in
                                (renderer.rendersSimply(key: kb, value: vb),
                                 (try? renderer.withSimpleLine(key: kb, value: vb) { _ in }) == true)
                            }
                        }
                        #expect(checks == renders, "state \(entry.stateIndex): key \(k), value \(v)")
                        compared += 1
                        if checks { accepted += 1 } else { refused += 1 }
                    }
                }
            }
        }
        #expect(compared > 1000)
        #expect(accepted > 100 && refused > 100, "accepted \(accepted), refused \(refused)")
    }
}
