import Bytes

/// A column family of a DB being written: what its MANIFEST records and what the OPTIONS file
/// says about it. Id 0 is the `default` family, which every DB has.
public struct ColumnFamilyLayout: Sendable {
    public var id: UInt32
    public var name: String
    public var comparator: String
    /// The merge operator's name in the properties (`nil`: none).
    public var mergeOperator: String?
    /// Live tables by level (Flink's checkpoints: one level-0 table per non-empty family).
    public var files: [(level: Int, file: FileMetaData)]

    public init(id: UInt32, name: String, comparator: String = TableOptions.bytewiseComparator,
                mergeOperator: String? = TableOptions.flinkMergeOperator, files: [(level: Int, file: FileMetaData)] = []) {
        self.id = id
        self.name = name
        self.comparator = comparator
        self.mergeOperator = mergeOperator
        self.files = files
    }
}

extension Manifest {
    /// RocksDB's default `num_levels`; a file at a higher level cannot be opened.
    public static let levelCount = 7

    /// The edits of a fresh MANIFEST for a DB holding `columnFamilies` (the default family is
    /// added when missing): the comparator, one edit per added family, the DB counters, then one
    /// edit per live table. This is the minimal MANIFEST that FRocksDB 8.10 opens and Flink
    /// restores (`fixtures/generator/convert-interop-test` restores what `convert --to lsm` writes).
    public static func newDBEdits(
        columnFamilies: [ColumnFamilyLayout], nextFileNumber: UInt64, lastSequence: UInt64,
        release: RocksDBRelease = .frocksdb8_10
    ) throws -> [VersionEdit] {
        let families = try validated(columnFamilies, nextFileNumber: nextFileNumber, lastSequence: lastSequence)
        let persistUDT: Bool? = release.writesNewerManifestFields ? true : nil
        var edits: [VersionEdit] = []
        for family in families {
            var edit = VersionEdit()
            edit.comparator = family.comparator
            edit.persistUserDefinedTimestamps = persistUDT
            if family.id != 0 {
                edit.columnFamily = family.id
                edit.columnFamilyAdd = family.name
            }
            edits.append(edit)
        }
        var counters = VersionEdit()
        counters.logNumber = 0
        counters.nextFileNumber = nextFileNumber
        counters.lastSequence = lastSequence
        edits.append(counters)
        for family in families {
            for (level, file) in withEpochs(family.files, release: release) {
                var edit = VersionEdit()
                edit.columnFamily = family.id
                edit.newFiles = [(level, file)]
                edits.append(edit)
            }
        }
        return edits
    }

    /// Epoch numbers order a family's files by age (8.x): older levels first, then level-0 files
    /// by their newest sequence number, so a newer overlapping level-0 file has the larger epoch.
    static func withEpochs(_ files: [(level: Int, file: FileMetaData)], release: RocksDBRelease)
        -> [(level: Int, file: FileMetaData)]
    {
        guard release.writesNewerManifestFields else { return files }
        let order = files.indices.sorted { a, b in
            let (la, lb) = (files[a].level, files[b].level)
            if la != lb { return la == 0 ? false : lb == 0 ? true : la > lb }
            return files[a].file.largestSequence < files[b].file.largestSequence
        }
        var out = files
        for (epoch, i) in order.enumerated() where out[i].file.epochNumber == nil {
            out[i].file.epochNumber = UInt64(epoch + 1)
        }
        return out
    }

    /// Checks what recovery would refuse (`VersionEditHandler`, `VersionBuilder`) and returns
    /// the families with `default` first.
    static func validated(
        _ columnFamilies: [ColumnFamilyLayout], nextFileNumber: UInt64, lastSequence: UInt64
    ) throws -> [ColumnFamilyLayout] {
        var families = columnFamilies.sorted { $0.id < $1.id }
        if families.first?.id != 0 { families.insert(ColumnFamilyLayout(id: 0, name: Version.defaultColumnFamilyName), at: 0) }
        func fail(_ message: String) -> FormatError { FormatError(file: "MANIFEST", offset: 0, message) }
        guard families[0].name == Version.defaultColumnFamilyName else {
            throw fail("column family 0 must be named \"default\", not \"\(families[0].name)\"")
        }
        guard Set(families.map(\.id)).count == families.count, Set(families.map(\.name)).count == families.count else {
            throw fail("column family ids and names must be unique: \(families.map { "\($0.id)=\($0.name)" })")
        }
        var numbers = Set<UInt64>()
        for family in families {
            for (level, file) in family.files {
                guard (0..<levelCount).contains(level) else {
                    throw fail("table \(file.number) of \"\(family.name)\" is at level \(level); levels are 0–\(levelCount - 1)")
                }
                guard numbers.insert(file.number).inserted, file.number < nextFileNumber else {
                    throw fail("table number \(file.number) is used twice or not below the next file number \(nextFileNumber)")
                }
                guard file.largestSequence <= lastSequence, file.smallestSequence <= file.largestSequence else {
                    throw fail("table \(file.number) has sequence numbers \(file.smallestSequence)…\(file.largestSequence), "
                        + "beyond the last sequence \(lastSequence) or reversed")
                }
                guard TableBuilder.compareInternalKeys(file.smallest.encoded, file.largest.encoded) <= 0 else {
                    throw fail("table \(file.number) has its smallest key after its largest")
                }
            }
            try checkNoOverlap(family, fail)
        }
        return families
    }

    /// Files of one level ≥ 1 must cover disjoint key ranges.
    private static func checkNoOverlap(_ family: ColumnFamilyLayout, _ fail: (String) -> FormatError) throws {
        for level in 1..<levelCount {
            let files = family.files.filter { $0.level == level }.map(\.file)
                .sorted { TableBuilder.compareInternalKeys($0.smallest.encoded, $1.smallest.encoded) < 0 }
            for (a, b) in zip(files, files.dropFirst())
            where TableBuilder.compareInternalKeys(a.largest.encoded, b.smallest.encoded) >= 0 {
                throw fail("tables \(a.number) and \(b.number) of \"\(family.name)\" overlap at level \(level)")
            }
        }
    }
}
