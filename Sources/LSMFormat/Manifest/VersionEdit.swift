import Bytes

/// One MANIFEST record: a change to the set of live files and column families
/// (`VersionEdit::DecodeFrom`, `db/version_edit.cc`). Fields are `varint32 tag` + value.
public struct VersionEdit: Sendable, Equatable {
    public var comparator: String?
    public var logNumber: UInt64?
    public var prevLogNumber: UInt64?
    public var nextFileNumber: UInt64?
    public var lastSequence: UInt64?
    public var minLogNumberToKeep: UInt64?
    public var maxColumnFamily: UInt32?
    /// The column family the edit applies to (0 = default when the tag is absent).
    public var columnFamily: UInt32 = 0
    public var columnFamilyAdd: String?
    public var columnFamilyDrop = false
    public var newFiles: [(level: Int, file: FileMetaData)] = []
    public var deletedFiles: [(level: Int, number: UInt64)] = []
    public var dbID: String?
    /// Remaining edits of an atomic group, including this one's followers.
    public var atomicGroupRemaining: UInt32?
    public var persistUserDefinedTimestamps: Bool?
    /// Tags skipped because they are marked safe to ignore (WAL tracking, history, …).
    public var ignoredTags: [UInt32] = []

    public init() {}

    public static func == (a: VersionEdit, b: VersionEdit) -> Bool {
        a.comparator == b.comparator && a.logNumber == b.logNumber && a.prevLogNumber == b.prevLogNumber
            && a.nextFileNumber == b.nextFileNumber && a.lastSequence == b.lastSequence
            && a.minLogNumberToKeep == b.minLogNumberToKeep && a.maxColumnFamily == b.maxColumnFamily
            && a.columnFamily == b.columnFamily && a.columnFamilyAdd == b.columnFamilyAdd
            && a.columnFamilyDrop == b.columnFamilyDrop
            && a.newFiles.map(\.level) == b.newFiles.map(\.level) && a.newFiles.map(\.file) == b.newFiles.map(\.file)
            && a.deletedFiles.map(\.level) == b.deletedFiles.map(\.level)
            && a.deletedFiles.map(\.number) == b.deletedFiles.map(\.number)
            && a.dbID == b.dbID && a.atomicGroupRemaining == b.atomicGroupRemaining
            && a.persistUserDefinedTimestamps == b.persistUserDefinedTimestamps
    }
}

/// Tag numbers (`Tag`, `db/version_edit.h`).
enum VersionEditTag {
    static let comparator: UInt32 = 1
    static let logNumber: UInt32 = 2
    static let nextFileNumber: UInt32 = 3
    static let lastSequence: UInt32 = 4
    static let compactCursor: UInt32 = 5
    static let deletedFile: UInt32 = 6
    static let newFile: UInt32 = 7
    static let prevLogNumber: UInt32 = 9
    static let minLogNumberToKeep: UInt32 = 10
    static let newFile2: UInt32 = 100
    static let newFile3: UInt32 = 102
    static let newFile4: UInt32 = 103
    static let columnFamily: UInt32 = 200
    static let columnFamilyAdd: UInt32 = 201
    static let columnFamilyDrop: UInt32 = 202
    static let maxColumnFamily: UInt32 = 203
    static let inAtomicGroup: UInt32 = 300
    static let blobFileAddition: UInt32 = 400
    static let blobFileGarbage: UInt32 = 401
    /// Tags with this bit are length-prefixed and may be skipped by readers that do not know them.
    static let safeIgnoreMask: UInt32 = 1 << 13
    static let dbID: UInt32 = 8193
    static let persistUserDefinedTimestamps: UInt32 = 8201
}

/// NewFile4 custom field tags (`NewFileCustomTag`).
enum NewFileTag {
    static let terminate: UInt32 = 1
    static let needCompaction: UInt32 = 2
    static let minLogNumberToKeepHack: UInt32 = 3
    static let oldestBlobFileNumber: UInt32 = 4
    static let oldestAncesterTime: UInt32 = 5
    static let fileCreationTime: UInt32 = 6
    static let fileChecksum: UInt32 = 7
    static let fileChecksumFunction: UInt32 = 8
    static let temperature: UInt32 = 9
    static let uniqueID: UInt32 = 12
    static let epochNumber: UInt32 = 13
    static let tailSize: UInt32 = 15
    static let pathID: UInt32 = 65
    /// Custom tags with this bit must be understood; others may be ignored.
    static let nonSafeIgnoreMask: UInt32 = 1 << 6
}
