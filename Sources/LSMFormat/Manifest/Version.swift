import Bytes

/// The state of a DB after replaying its MANIFEST (`VersionSet::Recover`): column families and,
/// per family and level, the live table files, plus the DB-wide counters.
public struct Version: Sendable {
    public struct ColumnFamily: Sendable {
        public var id: UInt32
        public var name: String
        public var comparator: String?
        public var logNumber: UInt64?
        /// Level → live files, in the order the MANIFEST added them.
        public var levels: [Int: [FileMetaData]] = [:]

        /// Every live file with its level, lowest level first.
        public var files: [(level: Int, file: FileMetaData)] {
            levels.keys.sorted().flatMap { level in levels[level, default: []].map { (level, $0) } }
        }
    }

    public static let defaultColumnFamilyName = "default"
    /// RocksDB's `num_levels` default; levels beyond it are corruption.
    public static let maxLevels = 64

    /// By id; the default family (id 0) always exists.
    public private(set) var columnFamilies: [UInt32: ColumnFamily] = [0: ColumnFamily(id: 0, name: defaultColumnFamilyName)]
    public private(set) var comparator: String?
    public private(set) var logNumber: UInt64?
    public private(set) var prevLogNumber: UInt64?
    public private(set) var nextFileNumber: UInt64?
    public private(set) var lastSequence: UInt64?
    public private(set) var dbID: String?
    public private(set) var editCount = 0

    public init() {}

    /// Column families ordered by id.
    public var orderedColumnFamilies: [ColumnFamily] { columnFamilies.keys.sorted().compactMap { columnFamilies[$0] } }

    public func columnFamily(named name: String) -> ColumnFamily? {
        columnFamilies.values.first { $0.name == name }
    }

    /// Applies one edit; `offset` (of its record) locates errors.
    public mutating func apply(_ edit: VersionEdit, at offset: Int = 0) throws {
        editCount += 1
        if let v = edit.logNumber { logNumber = v }
        if let v = edit.prevLogNumber { prevLogNumber = v }
        if let v = edit.nextFileNumber { nextFileNumber = v }
        if let v = edit.lastSequence { lastSequence = v }
        if let v = edit.dbID { dbID = v }
        let id = edit.columnFamily
        if let name = edit.columnFamilyAdd {
            guard columnFamilies[id] == nil else {
                throw FormatError(offset: offset, "MANIFEST adds column family \(id) (\"\(name)\") twice")
            }
            columnFamilies[id] = ColumnFamily(id: id, name: name, comparator: edit.comparator)
        } else if id == 0, let c = edit.comparator {
            comparator = c
            columnFamilies[0]?.comparator = c
        }
        if edit.columnFamilyDrop {
            guard columnFamilies.removeValue(forKey: id) != nil else {
                throw FormatError(offset: offset, "MANIFEST drops unknown column family \(id)")
            }
            return
        }
        guard columnFamilies[id] != nil else {
            throw FormatError(offset: offset, "MANIFEST edit refers to unknown column family \(id)")
        }
        // In place: a copy of the family taken out and stored back shares its levels with the
        // dictionary's, so every edit copied them (a MANIFEST has thousands of edits).
        if let v = edit.logNumber { columnFamilies[id]!.logNumber = v }
        try Self.applyFiles(edit, to: &columnFamilies[id]!, at: offset)
    }

    private static func applyFiles(_ edit: VersionEdit, to family: inout ColumnFamily, at offset: Int) throws {
        for (level, number) in edit.deletedFiles {
            guard let index = family.levels[level]?.firstIndex(where: { $0.number == number }) else {
                throw FormatError(offset: offset, "MANIFEST deletes file \(number) not live at level \(level) of \"\(family.name)\"")
            }
            family.levels[level]?.remove(at: index)
            if family.levels[level]?.isEmpty == true { family.levels[level] = nil }
        }
        for (level, file) in edit.newFiles {
            guard level >= 0, level < Self.maxLevels else {
                throw FormatError(offset: offset, "MANIFEST adds file \(file.number) at impossible level \(level)")
            }
            family.levels[level, default: []].append(file)
        }
    }
}
