/// The non-table files of a RocksDB DB directory as a Flink native savepoint carries them:
/// `MANIFEST-NNNNNN` (column families and live tables), `CURRENT` (its name) and
/// `OPTIONS-NNNNNN`. The tables themselves are written with `TableBuilder`; their summaries give
/// the `FileMetaData` the MANIFEST needs.
///
/// File numbers: tables keep theirs; the MANIFEST and OPTIONS files take the next free numbers,
/// and the MANIFEST's next-file number is above all of them.
public struct RocksDBDirectoryWriter: Sendable {
    public var columnFamilies: [ColumnFamilyLayout]
    /// The table options for the OPTIONS file (its column-family fields are ignored) and the
    /// release the MANIFEST imitates.
    public var tableOptions: TableOptions
    /// `nil`: the largest sequence number of any table.
    public var lastSequence: UInt64?
    public var writesOptionsFile = true

    public init(columnFamilies: [ColumnFamilyLayout], tableOptions: TableOptions, lastSequence: UInt64? = nil) {
        self.columnFamilies = columnFamilies
        self.tableOptions = tableOptions
        self.lastSequence = lastSequence
    }

    public var release: RocksDBRelease { tableOptions.release }

    /// The file names and contents to put next to the tables, MANIFEST first.
    public func files() throws -> [(name: String, bytes: [UInt8])] {
        let tables = columnFamilies.flatMap { $0.files.map(\.file) }
        let manifestNumber = (tables.map(\.number).max() ?? 0) + 1
        let optionsNumber = manifestNumber + 1
        let nextFileNumber = writesOptionsFile ? optionsNumber + 1 : manifestNumber + 1
        let edits = try Manifest.newDBEdits(
            columnFamilies: columnFamilies, nextFileNumber: nextFileNumber,
            lastSequence: lastSequence ?? tables.map(\.largestSequence).max() ?? 0, release: release)
        let manifestName = Self.fileName("MANIFEST-", manifestNumber)
        var out = [
            (manifestName, Manifest.write(edits)),
            ("CURRENT", CurrentFile.contents(manifestName: manifestName)),
        ]
        if writesOptionsFile {
            out.append((Self.fileName("OPTIONS-", optionsNumber),
                        OptionsFile.render(columnFamilies: columnFamilies, table: tableOptions)))
        }
        return out
    }

    /// `MANIFEST-000005`, `OPTIONS-000017`: the number zero-padded to six digits.
    static func fileName(_ prefix: String, _ number: UInt64) -> String {
        let digits = String(number)
        return prefix + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
