import Bytes

/// One state at a time, for callers that must keep going after a bad state (`validate`): an error
/// thrown here concerns only the partition asked for.
extension OperatorStateStream {
    /// Every element of `partition` (one of `partitions`), decoded with its serializer.
    public func forEachElement(
        of partition: StatePartition, _ body: (OperatorStateElement) throws -> Void
    ) throws {
        do {
            if partition.mode == .broadcast {
                try readBroadcast(partition, body)
            } else {
                try readList(partition, body)
            }
        } catch let e as FormatError {
            throw e.located(in: source.name)
        }
    }
}
