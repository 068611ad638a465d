import Bytes
import Foundation
import LSMFormat
@testable import SavepointKit
import SavepointMetadata
import SavepointTestSupport
import Testing

/// `InPlaceEntryCheck`, deep validation's check of RocksDB entries of the commonest serializers,
/// must accept nothing the general path would not (the renderer in place, the key read by its
/// `KeyHash`), and the reports must be the ones the general path alone gives.
@Suite struct InPlaceEntryCheckTests {
    /// The RocksDB instances of the native fixtures.
    static func instances() throws -> [(savepoint: Savepoint, op: OperatorState, instance: FlinkRocksDBState)] {
        var out: [(Savepoint, OperatorState, FlinkRocksDBState)] = []
        for fixture in Fixture.all where fixture.form.hasPrefix("rocksdb") && fixture.form.contains("native") {
            let savepoint = try Savepoint.open(try #require(fixture.readablePath))
            for op in savepoint.metadata.operatorStates {
                for entry in op.subtaskStates {
                    guard case let .incrementalRemote(h)? = entry.state?.managedKeyedState else { continue }
                    out.append((savepoint, op, try savepoint.openLSMState(h, of: op)))
                }
            }
        }
        return out
    }

    /// Every entry of every fixture table, and copies of it with a byte changed, cut or added:
    /// what the check accepts, the renderer renders and the key hash reads (same length and hash).
    @Test func acceptsOnlyWhatTheGeneralPathAccepts() throws {
        var accepted = 0, declined = 0, states = 0
        for (_, op, instance) in try Self.instances() {
            let context = KeyedCheckContext(schemas: instance.schemas, op: op, subtask: 0, file: instance.name)
            for family in instance.columnFamilies {
                guard let stateIndex = family.stateIndex, let program = context.programs[stateIndex] else { continue }
                let renderer = try #require(context.renderers[stateIndex])
                let hasher = try #require(context.hashers[stateIndex])
                states += 1
                for table in family.tables {
                    for entry in try table.entries().prefix(200) where entry.key.typeByte != ValueType.deletion.rawValue {
                        let key = Array(entry.key.userKey.dropFirst(instance.keyGroupPrefixBytes)), value = Array(entry.value)
                        for (k, v) in Self.variants(key, value) {
                            k.withUnsafeBufferPointer { kb in
                                v.withUnsafeBufferPointer { vb in
                                    // The layout type the table walk is specialized for.
                                    guard let (length, keyOffset, hash) = try? program.specialize(CheckOne(key: kb, value: vb)) else {
                                        declined += 1
                                        return
                                    }
                                    accepted += 1
                                    #expect(renderer.rendersSimply(key: kb, value: vb), "\(family.name): \(k) \(v)")
                                    let read = hasher.read(UnsafeBufferPointer(rebasing: kb[keyOffset...]))
                                    #expect(read?.length == length && read?.bytesDecideEquality == true, "\(family.name): \(k)")
                                    #expect(read?.hash == hash, "\(family.name): \(k)")
                                }
                            }
                        }
                    }
                }
            }
        }
        #expect(states >= 4, "the fixtures have states of every shape the check takes")
        #expect(accepted > 1000 && declined > 1000, "accepted \(accepted), declined \(declined)")
    }

    /// One entry through a layout: its key's length, where the key starts and its hash; nil
    /// (thrown) where the layout declines.
    struct CheckOne: InPlaceLayoutConsumer {
        struct Declined: Error {}
        let key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>
        func consume<L: InPlaceLayout>(_ layout: L) throws -> (Int, Int, Int32) {
            guard let length = layout.check(key: key, value: value) else { throw Declined() }
            return (length, layout.keyOffset, layout.hashCode(key.baseAddress! + layout.keyOffset, length: length))
        }
    }

    /// The entry, then each of its first bytes (key and value) set to bytes that matter to the
    /// layouts (0, the list delimiter, the last ASCII, non-ASCII), cut by one, and one byte longer.
    static func variants(_ key: [UInt8], _ value: [UInt8]) -> [([UInt8], [UInt8])] {
        var out = [(key, value), (Array(key.dropLast()), value), (key, Array(value.dropLast())), (key + [0], value), (key, value + [0x2C])]
        for b: UInt8 in [0x00, 0x01, 0x2C, 0x7F, 0x80, 0xC3, 0xFF] {
            for i in 0..<min(key.count, 24) where key[i] != b {
                var k = key
                k[i] = b
                out.append((k, value))
            }
            for i in 0..<min(value.count, 24) where value[i] != b {
                var v = value
                v[i] = b
                out.append((key, v))
            }
        }
        return out
    }

    /// The hash of ASCII keys (two words for 8 to 16 units, a loop otherwise) is Java's.
    /// Every length to 40 (the word, half-word and byte paths), with a byte of 0x80 or above at
    /// each place in turn, and none.
    @Test func isASCIISeesEveryByte() {
        for n in 0...40 {
            var bytes = (0..<n).map { UInt8(truncatingIfNeeded: 0x20 + $0) } + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
            #expect(bytes.withUnsafeBufferPointer { InPlaceEntryCheck.isASCII($0.baseAddress!, n) }, "\(n)")
            for at in 0..<n {
                for high: UInt8 in [0x80, 0xC3, 0xFF] {
                    bytes[at] = high
                    #expect(!bytes.withUnsafeBufferPointer { InPlaceEntryCheck.isASCII($0.baseAddress!, n) }, "\(n) \(at)")
                }
                bytes[at] = 0x7F
            }
        }
    }

    @Test func stringHashIsJavas() {
        var rng = SystemRandomNumberGenerator()
        for n in 0...40 {
            for _ in 0..<50 {
                let units = (0..<n).map { _ in UInt8.random(in: 0...0x7F, using: &rng) }
                let expected = FlinkHashing.javaHashCode(String(decoding: units, as: UTF8.self))
                let hash = units.withUnsafeBufferPointer { InPlaceEntryCheck.stringHash($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, n) }
                #expect(Int32(bitPattern: hash) == expected, "\(units)")
            }
        }
    }

    /// The reports of every native fixture, and of each with a max parallelism its keys were not
    /// assigned with (so that keys hash to other key groups): the same with and without the check.
    @Test func reportsAsTheGeneralPathAlone() throws {
        var mismatches = 0
        for fixture in Fixture.all where fixture.form.hasPrefix("rocksdb") && fixture.form.contains("native") {
            var savepoint = try Savepoint.open(try #require(fixture.readablePath))
            for wrongMaxParallelism in [false, true] {
                if wrongMaxParallelism {
                    for i in savepoint.metadata.operatorStates.indices where savepoint.metadata.operatorStates[i].maxParallelism == 128 {
                        savepoint.metadata.operatorStates[i].maxParallelism = 127
                    }
                }
                let inPlace = Validator(savepoint: savepoint, options: .init(deep: true)).run()
                var general = Validator(savepoint: savepoint, options: .init(deep: true))
                general.inPlaceEntryChecks = false
                let generalReport = general.run()
                #expect(inPlace.findings == generalReport.findings, "\(fixture)")
                #expect(inPlace.checked == generalReport.checked, "\(fixture)")
                if wrongMaxParallelism { mismatches += inPlace.findings.filter { $0.code == .keyGroupMismatch }.count }
            }
        }
        #expect(mismatches > 0, "a wrong max parallelism gives key-group findings")
    }
}
