/// # FlinkSerialization: Flink's versioned serialization layer, read and write
///
/// Flink stores, next to every state, the *serializer snapshot* of its key, namespace and value
/// serializers. This module reads and writes those snapshots (`SerializerSnapshot`, one file per
/// payload layout: `CompositeSnapshot`, `PojoSnapshot`, `KryoSnapshot`, `OptionalMap`), and restores
/// from them the serializer that decodes the state bytes (`restoreSerializer()`, one file per family
/// of `TypeSerializer`s) into the one value model, `Value`. `JSONEmitter` writes dump schema v1:
/// driven by a decoded `Value` (`value(_:)`) or by a serializer walking its bytes (`appendJSON`).
///
/// How a snapshot is read:
/// 1. `SnapshotRegistry` maps the stored class name (Flink 1.15 … 2.3 names) to a `SnapshotLayout`;
///    an unknown class is an error, because payloads carry no length and cannot be skipped.
/// 2. `SnapshotPayload.read` parses the layout, keeping whatever is needed to write it back byte for
///    byte (legacy framing, verbatim optional-map frames).
///
/// Every serializer is symmetric: `read` then `write` gives back the same bytes.
public enum FlinkSerialization {}
