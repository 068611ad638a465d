import Bytes

// MARK: - CheckpointProperties

/// What the `CheckpointProperties` trailer of a V4+ `_metadata` says, for `inspect`: whether the
/// snapshot is a savepoint, in which format (`CANONICAL` / `NATIVE`), and its discard policy.
public struct CheckpointPropertiesSummary: Sendable, Equatable {
    public static let className = "org.apache.flink.runtime.checkpoint.CheckpointProperties"

    /// Every boolean field (`forced`, `unclaimed`, `discardSubsumed`, …) by name.
    public var booleanFields: [String: Bool]
    /// The class of `checkpointType`: `…checkpoint.SavepointType` / `…checkpoint.CheckpointType`
    /// (an enum class in Flink versions before 1.15).
    public var checkpointTypeClass: String?
    /// `SnapshotType.getName()` (`"Savepoint"`, `"Checkpoint"`), or the constant of an old enum type.
    public var checkpointTypeName: String?
    /// `SavepointType.formatType`: `CANONICAL` or `NATIVE` (savepoints only).
    public var savepointFormatType: String?

    public var forced: Bool? { booleanFields["forced"] }
    public var isSavepoint: Bool {
        checkpointTypeClass == "org.apache.flink.runtime.checkpoint.SavepointType"
            || checkpointTypeName?.uppercased().contains("SAVEPOINT") == true
    }

    /// Nil unless the stream's top-level object is a `CheckpointProperties`.
    public init?(_ stream: JavaSerializationStream) {
        guard case .object(let properties) = stream.resolve(stream.root),
              properties.className == Self.className
        else { return nil }
        booleanFields = [:]
        for field in properties.fields {
            if case .primitive(.boolean(let value)) = field.value { booleanFields[field.name] = value }
        }
        switch stream.resolve(properties.field("checkpointType") ?? .null) {
        case .object(let type):
            checkpointTypeClass = type.className
            if case .string(let name) = stream.resolve(type.field("name") ?? .null) { checkpointTypeName = name }
            if case .enumConstant(_, let format) = stream.resolve(type.field("formatType") ?? .null) {
                savepointFormatType = format
            }
        case .enumConstant(let className, let name):
            checkpointTypeClass = className
            checkpointTypeName = name
        default:
            break
        }
    }
}

extension CheckpointMetadata {
    /// The parsed `CheckpointProperties` trailer (nil before V4, or when it holds another object).
    public func checkpointPropertiesSummary() throws -> CheckpointPropertiesSummary? {
        guard let checkpointProperties else { return nil }
        return CheckpointPropertiesSummary(try JavaSerializationStream.read(checkpointProperties))
    }
}
