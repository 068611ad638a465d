/// What each `_metadata` format version adds (`MetadataV2Serializer` … `MetadataV6Serializer`).
/// Readers and writers ask these questions instead of comparing version numbers inline.
struct MetadataLayout: Sendable {
    let version: Int32

    static let supportedVersions: ClosedRange<Int32> = 2...6

    /// V2 (Flink 1.3–1.10): "chain length" per operator, "duration" and legacy count per subtask;
    /// no coordinator state, channel state or finished markers.
    var isV2: Bool { version == 2 }
    /// V3+: coordinator state, channel state collections, finished operators/subtasks.
    var hasCoordinatorAndChannelState: Bool { version >= 3 }
    /// V4+: a Java-serialized `CheckpointProperties` after the body.
    var hasCheckpointProperties: Bool { version >= 4 }
    /// V5+: operator name and uid in front of each operator record.
    var hasOperatorNameAndUid: Bool { version >= 5 }
    /// V6+: channel state handles carry a type byte and may be merged.
    var hasTypedChannelHandles: Bool { version >= 6 }
}
