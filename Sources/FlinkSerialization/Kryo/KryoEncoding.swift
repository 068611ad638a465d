/// Which Kryo wrote a value: Flink 1.x uses Kryo 2.24 (`com.esotericsoftware.kryo`, with Twitter chill's
/// registrations), Flink 2.x Kryo 5 (FLIP-317). Both use the same class ids (Flink 2's
/// `FlinkChillPackageRegistrar` keeps chill's ids 73–84), varints, strings and reference markers; they
/// differ where Kryo 5 changed its `Output` and serializers:
///
/// | | Kryo 2.24 (`io/Output.java`, `serializers/*.java` at tag `kryo-2.24.0`) | Kryo 5 (`kryo-parent-5.6.2`) |
/// | --- | --- | --- |
/// | short, char, float, double, fixed long | big-endian | little-endian |
/// | collection | header (TreeSet comparator), varint size, elements with their class | varint-with-flag size + 1 (flag: all elements one class), header, then that class once and a has-null byte, or each element with its class |
/// | map | header (TreeMap comparator), varint size | varint size + 1, header |
/// | `Arrays$ArrayList` (id 73) | chill `ArraysAsListSerializer`: varint length, component class, elements | a Kryo 5 collection |
/// | `UUID` (id 82) | chill `UUIDSerializer`: two zigzag varlongs | two fixed little-endian longs |
///
/// The `KryoSerializerSnapshot` is byte for byte the same in both (version 2, same class): only the
/// `_metadata` version tells them apart (4 or lower in Flink 1.x, 5 and up in 2.x).
public enum KryoEncoding: String, Sendable, CaseIterable {
    case kryo2
    case kryo5

    /// The encoding of the Kryo values in a savepoint whose `_metadata` has `version`.
    public init(metadataVersion version: Int32) {
        self = version >= 5 ? .kryo5 : .kryo2
    }
}
