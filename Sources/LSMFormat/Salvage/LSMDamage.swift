import Bytes

/// What a salvaging walk of one column family could not read: the key groups whose entries may
/// have lain in a damaged place, where that place is, and why it could not be read.
public struct LSMDamage {
    /// Both ends included.
    public var keyGroups: ClosedRange<Int>
    /// The table (or, for damage not tied to one table, the instance) that failed.
    public var file: String
    /// File offset of the damaged data block, when one block is to blame.
    public var blockOffset: UInt64?
    public var error: any Error

    public init(keyGroups: ClosedRange<Int>, file: String, blockOffset: UInt64?, error: any Error) {
        (self.keyGroups, self.file, self.blockOffset, self.error) = (keyGroups, file, blockOffset, error)
    }
}

/// The damage found while walking one column family, shared by the family's table cursors (which
/// find it) and its key-group cursor (which drops the key groups it covers).
public final class LSMDamageLog {
    public private(set) var damages: [LSMDamage] = []

    public init() {}

    func record(_ damage: LSMDamage) { damages.append(damage) }

    /// Whether some damage covers key group `keyGroup`, whose entries are then incomplete.
    public func covers(_ keyGroup: Int) -> Bool { damages.contains { $0.keyGroups.contains(keyGroup) } }
}
