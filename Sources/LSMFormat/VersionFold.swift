/// The versions of one user key, newest first, folded into what a RocksDB read returns: the rules
/// of `MergedColumnFamilyIterator`, kept in one place for its merging, its in-place walk and the
/// walk of one table (`BlockBasedTable.walkNewestVersions`).
/// Buffers are reused from key to key (`reset`), so folding allocates nothing per key.
@usableFromInline
struct VersionFold {
    /// The visible value once `finish` returned true.
    @usableFromInline private(set) var value = ByteScratch()
    /// Merge operands, newest first, end to end; `operandEnds[i]` ends operand `i`.
    private var operands = ByteScratch()
    private var operandEnds: [Int] = []
    private var hasBase = false
    /// The walk has ended (a put, a delete or a range tombstone): older versions change nothing.
    @usableFromInline private(set) var done = false

    @usableFromInline
    init() {}

    @usableFromInline
    mutating func reset() {
        value.removeAll()
        operands.removeAll()
        if !operandEnds.isEmpty { operandEnds.removeAll(keepingCapacity: true) }
        hasBase = false
        done = false
    }

    /// Adds the next older version; false for a value type Flink never writes (blob index, wide
    /// column entity, ...), which the caller reports with the entry's key.
    @usableFromInline
    mutating func add(typeByte: UInt8, value bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        switch ValueType(rawValue: typeByte) {
        case .value?:
            value.append(bytes)
            hasBase = true
            done = true
        case .deletion?, .singleDeletion?, .deletionWithTimestamp?:
            done = true
        case .merge?:
            operands.append(bytes)
            operandEnds.append(operands.count)
        default:
            return false
        }
        return true
    }

    /// A version covered by a newer range tombstone: the walk ends as at a delete.
    mutating func cover() { done = true }

    /// Joins the base and the operands, oldest first, with `delimiter` into `value`; false when
    /// the key is hidden (neither base nor operands).
    @usableFromInline
    mutating func finish(delimiter: UInt8) -> Bool {
        guard hasBase || !operandEnds.isEmpty else { return false }
        for i in operandEnds.indices.reversed() {
            if i < operandEnds.count - 1 || hasBase { value.append(delimiter) }
            let start = i == 0 ? 0 : operandEnds[i - 1]
            value.append(operands, start..<operandEnds[i])
        }
        return true
    }
}
