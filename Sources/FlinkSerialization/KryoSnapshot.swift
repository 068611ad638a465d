import Bytes

/// `KryoSerializerSnapshot` (version 2): the type class and three optional maps (registrations,
/// default Kryo serializers, default serializer classes). The maps hold Java-serialized objects and
/// Kryo registration details, so they are kept as verbatim frames: Kryo data is opaque to the toolkit.
public struct KryoSnapshot: Sendable, Equatable {
    public var typeClassName: String
    public var registrations: [OptionalMapEntry]
    public var defaultKryoSerializers: [OptionalMapEntry]
    public var defaultKryoSerializerClasses: [OptionalMapEntry]

    static func read(version: Int32, from r: inout ByteReader) throws -> KryoSnapshot {
        guard version == 2 else {
            throw r.error("expected Kryo serializer snapshot version 2, found \(version)")
        }
        return KryoSnapshot(
            typeClassName: try r.readModifiedUTF8("the Kryo type class name"),
            registrations: try OptionalMap.read("the Kryo registrations", from: &r),
            defaultKryoSerializers: try OptionalMap.read("the default Kryo serializers", from: &r),
            defaultKryoSerializerClasses: try OptionalMap.read("the default Kryo serializer classes", from: &r))
    }

    func write(to w: inout ByteWriter) throws {
        try w.writeModifiedUTF8(typeClassName)
        try OptionalMap.write(registrations, to: &w)
        try OptionalMap.write(defaultKryoSerializers, to: &w)
        try OptionalMap.write(defaultKryoSerializerClasses, to: &w)
    }
}
