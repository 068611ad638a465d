import Bytes
import CanonicalFormat
import FlinkSerialization
import Foundation
@testable import SavepointKit
import SavepointMetadata
import SavepointTestSupport
import Testing

/// `KeyGroupAssigner` against real Flink: in every committed fixture (every version, shape and
/// form), each keyed entry's and timer's stored key-group prefix is the key group computed from
/// its key's bytes, which is the key group Flink itself assigned.
@Suite struct KeyGroupAssignerTests {
    @Test(arguments: Fixture.all)
    func everyStoredPrefixIsTheComputedKeyGroup(_ fixture: Fixture) throws {
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        var checked = 0, timers = 0, mismatches: [String] = []
        for (op, handle) in LSMConvertSupport.keyedHandles(savepoint) {
            let reader = try RawKeyedStateReaders.open(handle, of: op, in: savepoint)
            let assigner = try KeyGroupAssigner(proxy: reader.proxy)
            let prefixBytes = FlinkHashing.keyGroupPrefixBytes(maxParallelism: op.maxParallelism)
            try reader.forEachKeyGroup { group in
                try group.forEach { stateIndex, key, _ in
                    let stored = key.prefix(prefixBytes).reduce(0) { $0 << 8 | Int($1) }
                    let computed = try assigner.keyGroup(
                        stateIndex: stateIndex, keyAfterPrefix: UnsafeBufferPointer(rebasing: key[prefixBytes...]),
                        maxParallelism: op.maxParallelism)
                    if stored != computed || stored != group.keyGroup, mismatches.count < 5 {
                        mismatches.append("\(reader.proxy.states[stateIndex].name): \(Array(key).hexString) stored \(stored), computed \(computed)")
                    }
                    checked += 1
                    if reader.proxy.states[stateIndex].backendStateType == .priorityQueue { timers += 1 }
                }
            }
        }
        #expect(mismatches.isEmpty, "\(fixture): \(mismatches)")
        #expect(checked > 0, "\(fixture): no keyed entries")
        // Every shape registers timers, and only Flink's native savepoints of heap timers leave them out.
        if fixture.form != "rocksdb-heap-timers-native" { #expect(timers > 0, "\(fixture): no timers checked") }
    }

    /// Java's answers for boxed keys (`"key-0001".hashCode()`, `Long.valueOf(-2).hashCode()`, …,
    /// as `jshell` prints them), read from the bytes Flink's serializers write.
    @Test func boxedKeysHashAsJavaDoes() throws {
        func hash(_ plan: JavaKeyHash, _ bytes: [UInt8]) throws -> Int32 {
            var at = 0
            let h = try bytes.withUnsafeBufferPointer { try plan.hashCode($0, at: &at) }
            #expect(at == bytes.count)
            return h
        }
        var w = ByteWriter()
        w.writeStringValue("key-0001")
        #expect(try hash(.string, w.bytes) == 452_866_735)
        w = ByteWriter(); w.writeStringValue("é€𝄞")
        #expect(try hash(.string, w.bytes) == 16_751_501)
        #expect(try hash(.long, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE]) == 1)
        #expect(try hash(.long, [0, 0, 0, 1, 0, 0, 0, 0]) == 1)
        #expect(try hash(.int, [0xFF, 0xFF, 0xFE, 0x0C]) == -500)
        #expect(try hash(.short, [0xFF, 0xFE]) == -2)
        #expect(try hash(.byte, [0x80]) == -128)
        #expect(try hash(.char, [0xFF, 0xFE]) == 65534)
        #expect(try hash(.boolean, [1]) == 1231)
        #expect(try hash(.boolean, [0]) == 1237)
        // Double.valueOf(1.5).hashCode() == 1073217536, Float.valueOf(1.5f).hashCode() == 1069547520
        #expect(try hash(.double, [0x3F, 0xF8, 0, 0, 0, 0, 0, 0]) == 1_073_217_536)
        #expect(try hash(.float, [0x3F, 0xC0, 0, 0]) == 1_069_547_520)
        // Any NaN hashes as the canonical one: Float.NaN.hashCode() == 2143289344.
        #expect(try hash(.float, [0x7F, 0xC0, 0, 1]) == 2_143_289_344)
        // Tuple2.of(7, 1L).hashCode() == 31 * 7 + 1
        #expect(try hash(.tuple([.int, .long]), [0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 1]) == 218)
        #expect(throws: FormatError.self) { try hash(.string, [0]) }
        #expect(throws: FormatError.self) { try hash(.row(fields: [.int], supportsRowKind: true), []) }
        #expect(throws: FormatError.self) { try hash(.long, [0, 0, 0]) }
    }

    /// `Row` and `Tuple2` keys, as Flink 2.3's serializers write them and `hashCode()` answers
    /// (jshell with flink-dist on the class path): row kinds, null fields, nesting both ways, and
    /// a row without row-kind bits (`RowSerializer` legacy mode).
    @Test func rowsAndTuplesHashAsFlinksClassesDo() throws {
        let row: JavaKeyHash = .row(fields: [.string, .int, .long], supportsRowKind: true)
        let tuple: JavaKeyHash = .tuple([.string, row])
        let cases: [(JavaKeyHash, String, Int32)] = [
            // Row.ofKind(UPDATE_AFTER, "ab", null, -3L)
            (row, "50036162fffffffffffffffd", 3_043_582),
            // Row.of("ab", 5, 7L)
            (row, "00036162000000050000000000000007", 3_044_641),
            // Tuple2.of("k", Row.of("ab", 5, 7L))
            (tuple, "026b00036162000000050000000000000007", 3_047_958),
            // Row.of(Row.ofKind(UPDATE_AFTER, "ab", null, -3L), Tuple2.of("k", Row.of("ab", 5, 7L)), 2.5)
            (.row(fields: [row, tuple, .double], supportsRowKind: true),
             "0050036162fffffffffffffffd026b000361620000000500000000000000074004000000000000", -201_533_754),
            // Row.of("x", (short) -4), no row kind
            (.row(fields: [.string, .short], supportsRowKind: false), "000278fffc", 5669),
        ]
        for (plan, hex, expected) in cases {
            let bytes = stride(from: 0, to: hex.count, by: 2).map { i -> UInt8 in
                let at = hex.index(hex.startIndex, offsetBy: i)
                return UInt8(hex[at..<hex.index(at, offsetBy: 2)], radix: 16)!
            }
            var at = 0
            #expect(try bytes.withUnsafeBufferPointer { try plan.hashCode($0, at: &at) } == expected, "\(hex)")
            #expect(at == bytes.count, "\(hex)")
        }
    }

    /// Keys whose hashCode is user code or an identity hash are refused, named as the user knows them.
    @Test func otherKeyTypesAreRefusedByName() throws {
        let fixture = try #require(Fixture.all.first { $0.description == "2.3.0/types/filesystem" })
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        let (op, handle) = try #require(LSMConvertSupport.keyedHandles(savepoint).first)
        let proxy = try RawKeyedStateReaders.open(handle, of: op, in: savepoint).proxy
        func snapshot(_ state: String) throws -> SerializerSnapshot {
            try #require(proxy.states.first { $0.name == state }?.valueSerializer)
        }
        for (state, named) in [("pojo", "POJO "), ("color", "Enum ")] {
            var keyedByIt = proxy
            keyedByIt.keySerializer = try snapshot(state)
            do {
                _ = try KeyGroupAssigner(proxy: keyedByIt)
                Issue.record("keys of state \(state)'s type were accepted")
            } catch let e as RekeyError {
                guard case let .unhashableKey(type) = e else { Issue.record("\(e)"); continue }
                #expect(type.hasPrefix(named) && type.contains("savepointfixtures"), "\(type)")
                #expect(e.description.contains(type))
            }
        }
        // Tuple2 and Row of hashable fields are accepted.
        #expect(try JavaKeyHash(try snapshot("tuple")) != .string)
        if case .row = try JavaKeyHash(try snapshot("row")) {} else { Issue.record("Row not planned as a row") }
    }
}
