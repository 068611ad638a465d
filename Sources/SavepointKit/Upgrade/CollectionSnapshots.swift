import FlinkSerialization

/// The snapshots Flink 2 writes for its collection serializers, built from their nested ones:
/// `NullableSerializer.NullableSerializerSnapshot` (outer version 2: the null padding length, 0
/// as `NullableSerializer.wrap(…, false)` makes it), `ListSerializerSnapshot`,
/// `SetSerializerSnapshot` and `MapSerializerSnapshot` (outer version 1, nothing of their own); all
/// `CompositeTypeSerializerSnapshot`s, snapshot version 3. Checked byte for byte against the
/// snapshot Flink 2.3.0 wrote for the same POJO (`fixtures/2.3.0/collections`).
enum CollectionSnapshots {
    static let classes: [String: (type: CompositeType, className: String, outerVersion: Int32)] = [
        "Nullable": (.nullable, "org.apache.flink.api.java.typeutils.runtime.NullableSerializer$NullableSerializerSnapshot", 2),
        "List": (.list, "org.apache.flink.api.common.typeutils.base.ListSerializerSnapshot", 1),
        "Set": (.set, "org.apache.flink.api.common.typeutils.base.SetSerializerSnapshot", 1),
        "Map": (.map, "org.apache.flink.api.common.typeutils.base.MapSerializerSnapshot", 1),
    ]

    static func builds(_ name: String) -> Bool { classes[name] != nil }

    static func snapshot(_ name: String, _ nested: [SerializerSnapshot]) throws -> SerializerSnapshot {
        guard let c = classes[name] else { throw MigrationRefusal(path: "", reason: "no serializer snapshot can be written for \(name)") }
        return SerializerSnapshot(className: c.className, version: 3, payload: .composite(CompositeSnapshot(
            type: c.type, outerVersion: c.outerVersion, outer: c.type == .nullable ? .nullPadding(0) : .none, nested: nested)))
    }
}
