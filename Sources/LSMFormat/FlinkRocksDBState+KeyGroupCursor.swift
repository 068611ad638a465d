import Bytes
import CanonicalFormat

extension FlinkRocksDBState {
    /// A cursor over the visible entries of `family` (the column family of state `stateIndex`).
    public func keyGroupCursor(stateIndex: Int, family: ColumnFamily) throws -> KeyGroupCursor {
        try KeyGroupCursor(stateIndex: stateIndex, family: family, state: self)
    }
}

/// The visible entries of one state's column family, key group by key group, positioned on the
/// next entry (in place in the merged iterator's buffers): what a conversion walks, one cursor
/// per state side by side. Lives here, beside the iterator, so the generic iterator is
/// specialized for table cursors (called from another module it was not, and looked up type
/// metadata on every entry).
public struct KeyGroupCursor {
    let stateIndex: Int
    let familyName: String
    let prefixBytes: Int
    let instance: String
    private var iterator: MergedColumnFamilyIterator<TableCursor>
    /// The key group of the current entry; nil at the end.
    public private(set) var headKeyGroup: Int?
    private var lastKeyGroup = -1

    init(stateIndex: Int, family: FlinkRocksDBState.ColumnFamily, state: FlinkRocksDBState) throws {
        self.stateIndex = stateIndex
        familyName = family.name
        prefixBytes = state.keyGroupPrefixBytes
        instance = state.name
        iterator = try state.visibleEntries(of: family)
        try advance()
    }

    mutating func advance() throws {
        guard try FlinkRocksDBState.naming(familyName, { try iterator.advance() }) else {
            headKeyGroup = nil
            return
        }
        let prefixBytes = self.prefixBytes
        let keyGroup = iterator.withCurrent { key, _ in KeyGroupPrefix.keyGroup(of: key, prefixBytes: prefixBytes) }
        guard let keyGroup else {
            let key = iterator.withCurrent { k, _ in Array(k) }
            throw FormatError(file: instance, offset: 0,
                              "column family \"\(familyName)\": key \(key.hexString) is shorter than the \(prefixBytes)-byte key-group prefix")
        }
        guard keyGroup >= lastKeyGroup else {
            throw FormatError(file: instance, offset: 0,
                              "column family \"\(familyName)\": key group \(keyGroup) after key group \(lastKeyGroup)")
        }
        lastKeyGroup = keyGroup
        headKeyGroup = keyGroup
    }

    public mutating func skip(outside range: Range<Int>) throws {
        while let k = headKeyGroup, !range.contains(k) { try advance() }
    }

    public mutating func take(keyGroup: Int, into group: inout RawKeyGroup) throws {
        while headKeyGroup == keyGroup {
            let index = stateIndex
            iterator.withCurrent { key, value in group.append(stateIndex: index, key: key, value: value) }
            try advance()
        }
    }
}
