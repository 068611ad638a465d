import Bytes
import FlinkSerialization
import Foundation
@testable import SavepointKit
import SavepointTestSupport
import Testing

/// The serializer snapshot `upgrade` writes for a 1.x POJO whose List/Set/Map fields were Kryo is,
/// byte for byte, the one Flink 2.3.0 wrote for the same POJO (`fixtures/2.3.0/collections`).
@Suite struct UpgradeSnapshotTests {
    static func collections(_ version: String) -> String {
        Fixture.root.appendingPathComponent("\(version)/collections/filesystem/savepoint").path
    }

    static func basket(_ path: String) throws -> SerializerSnapshot {
        let savepoint = try Savepoint.open(path)
        let op = try #require(savepoint.metadata.operatorStates.first { !$0.subtaskStates.compactMap(\.state?.managedKeyedState).isEmpty })
        let keyed = try #require(op.subtaskStates.lazy.compactMap(\.state?.managedKeyedState).first)
        let meta = try #require(try KeyedStateHeader.read(keyed, of: op, in: savepoint).proxy.states.first { $0.name == "basket" })
        return try #require(meta.valueSerializer)
    }

    static func bytes(_ snapshot: SerializerSnapshot) throws -> [UInt8] {
        var w = ByteWriter()
        try snapshot.writeTopLevel(to: &w)
        return w.bytes
    }

    @Test func basketSnapshotIsFlink2s() throws {
        let old = try Self.basket(Self.collections("1.20.5"))
        let flink2 = try Self.basket(Self.collections("2.3.0"))
        let oldType = SchemaType(old), newType = SchemaType(flink2)
        #expect(oldType != newType)
        #expect(Flink2TypeExtraction.upgrades(oldType, to: newType))
        let written = try SnapshotMigration.snapshot(for: newType, from: old, oldType: oldType, at: "")
        #expect(try Self.bytes(written) == Self.bytes(flink2))
    }

    /// The rule of `NullableListTypeInfo`, `NullableSetTypeInfo` and `NullableMapTypeInfo`: list
    /// elements and map keys wrapped in `Nullable`, set elements and map values not.
    @Test func flink2FieldTypes() throws {
        let string = SchemaType.named("String"), long = SchemaType.named("Long")
        #expect(Flink2TypeExtraction.fieldType(.list, [string]).rendered == "Nullable<List<Nullable<String>>>")
        #expect(Flink2TypeExtraction.fieldType(.set, [long]).rendered == "Nullable<Set<Long>>")
        #expect(Flink2TypeExtraction.fieldType(.map, [string, long]).rendered == "Nullable<Map<Nullable<String>, Long>>")
        #expect(Flink2TypeExtraction.collection(declared: "java.util.Collection") == .list)
        #expect(Flink2TypeExtraction.collection(declared: "java.util.ArrayList") == nil)
        // A list of lists stays Kryo in Flink 2: not an upgrade to Flink's collection serializers.
        let pojo = { (t: SchemaType) in SchemaType.pojo(className: "P", fields: [.init(name: "a", type: t)]) }
        #expect(!Flink2TypeExtraction.upgrades(pojo(.classed(.kryo, "java.util.List")),
                                                to: pojo(Flink2TypeExtraction.fieldType(.list, [.generic("List", [string])]))))
        #expect(Flink2TypeExtraction.upgrades(pojo(.classed(.kryo, "java.util.List")), to: pojo(Flink2TypeExtraction.fieldType(.list, [long]))))
    }
}
