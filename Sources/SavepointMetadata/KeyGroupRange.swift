import Bytes

/// A contiguous, inclusive range of key groups (`KeyGroupRange`), as handles store it:
/// the first key group and the number of key groups.
///
/// The pair is kept exactly as read (even an empty range with a non-zero start) so that a
/// rewritten `_metadata` is byte-identical.
public struct KeyGroupRange: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var startKeyGroup: Int
    public var numberOfKeyGroups: Int

    public init(startKeyGroup: Int, numberOfKeyGroups: Int) {
        self.startKeyGroup = startKeyGroup
        self.numberOfKeyGroups = numberOfKeyGroups
    }

    /// The range `start...end` (both inclusive), as `KeyGroupRange.of` builds it.
    public init(startKeyGroup: Int, endKeyGroup: Int) {
        self.init(startKeyGroup: startKeyGroup, numberOfKeyGroups: max(0, endKeyGroup - startKeyGroup + 1))
    }

    /// The range Flink assigns to operator subtask `index` (`computeKeyGroupRangeForOperatorIndex`).
    public init(maxParallelism: Int, parallelism: Int, subtaskIndex: Int) {
        let range = FlinkHashing.keyGroupRange(
            maxParallelism: maxParallelism, parallelism: parallelism, index: subtaskIndex)
        self.init(startKeyGroup: range.lowerBound, endKeyGroup: range.upperBound)
    }

    /// The last key group, inclusive (`start - 1` when empty).
    public var endKeyGroup: Int { startKeyGroup + numberOfKeyGroups - 1 }
    public var isEmpty: Bool { numberOfKeyGroups == 0 }
    public var keyGroups: Range<Int> { startKeyGroup..<(startKeyGroup + numberOfKeyGroups) }

    public func contains(_ keyGroup: Int) -> Bool { keyGroups.contains(keyGroup) }

    public var description: String {
        isEmpty ? "KeyGroupRange{empty}" : "KeyGroupRange{\(startKeyGroup)..\(endKeyGroup)}"
    }

    /// `i32 start, i32 count`. Flink rejects a negative start; a negative count cannot be a range.
    static func read(from reader: inout ByteReader) throws -> KeyGroupRange {
        let at = reader.index
        let start = try reader.readI32("the first key group")
        let count = try reader.readI32("the number of key groups")
        guard start >= 0, count >= 0, Int64(start) + Int64(count) <= Int64(Int32.max) + 1 else {
            throw reader.error(
                "expected a key-group range (start >= 0, count >= 0), found start \(start), count \(count)", at: at)
        }
        return KeyGroupRange(startKeyGroup: Int(start), numberOfKeyGroups: Int(count))
    }

    func write(to writer: inout ByteWriter) {
        writer.writeI32(Int32(truncatingIfNeeded: startKeyGroup))
        writer.writeI32(Int32(truncatingIfNeeded: numberOfKeyGroups))
    }
}
