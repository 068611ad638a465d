import Bytes
import CanonicalFormat

extension FlinkRocksDBState {
    /// A `KeyGroupCursor` that keeps going past damage (`savepoint dump|convert --skip-corrupt`);
    /// `known` is damage found before the walk (tables of the family that did not open).
    public func salvagingKeyGroupCursor(stateIndex: Int, family: ColumnFamily,
                                        known: [LSMDamage] = []) -> SalvagingKeyGroupCursor {
        SalvagingKeyGroupCursor(stateIndex: stateIndex, family: family, state: self, known: known)
    }

    /// The key groups a table may hold, from its smallest and largest keys in the MANIFEST,
    /// within this instance's key groups.
    public func keyGroups(of file: FileMetaData) -> ClosedRange<Int> {
        let first = keyGroup(of: file.smallest.userKey) ?? keyGroups.lowerBound
        let last = keyGroup(of: file.largest.userKey) ?? keyGroups.upperBound
        let lower = min(max(first, keyGroups.lowerBound), keyGroups.upperBound)
        return lower...max(lower, min(last, keyGroups.upperBound))
    }
}

/// The visible entries of one state's column family key group by key group, like `KeyGroupCursor`,
/// but it never throws: a damaged data block costs the key groups it may have held (found by the
/// family's `SalvagingTableCursor`s), and any other failure (entries out of order, a key without
/// its prefix, unreadable range tombstones) costs the rest of the family. Both go to `damage`;
/// a caller drops every key group `damage` covers, also the entries it already took of it.
public struct SalvagingKeyGroupCursor {
    public let stateIndex: Int
    public let damage = LSMDamageLog()
    let familyName: String
    let prefixBytes: Int
    let instance: String
    let keyGroups: ClosedRange<Int>
    private var iterator: MergedColumnFamilyIterator<SalvagingTableCursor>?
    /// The key group of the current entry; nil at the end.
    public private(set) var headKeyGroup: Int?
    private var lastKeyGroup: Int?

    init(stateIndex: Int, family: FlinkRocksDBState.ColumnFamily, state: FlinkRocksDBState, known: [LSMDamage]) {
        self.stateIndex = stateIndex
        known.forEach(damage.record)
        familyName = family.name
        prefixBytes = state.keyGroupPrefixBytes
        instance = state.name
        keyGroups = state.keyGroups
        do {
            let tombstones = try family.tables.flatMap { try $0.rangeTombstones() }
            let log = damage, prefixBytes = prefixBytes, keyGroups = keyGroups
            iterator = MergedColumnFamilyIterator(
                cursors: family.tables.map { SalvagingTableCursor(table: $0, log: log, prefixBytes: prefixBytes, keyGroups: keyGroups) },
                rangeTombstones: tombstones, name: "column family \"\(family.name)\" of \(state.name)")
        } catch {
            giveUp(error)
            return
        }
        advance()
    }

    mutating func advance() {
        guard iterator != nil else { return }
        do {
            guard try iterator!.advance() else {
                headKeyGroup = nil
                return
            }
            let prefixBytes = self.prefixBytes
            let keyGroup = iterator!.withCurrent { key, _ in KeyGroupPrefix.keyGroup(of: key, prefixBytes: prefixBytes) }
            guard let keyGroup, keyGroup >= (lastKeyGroup ?? keyGroup) else {
                throw FormatError(file: instance, offset: 0,
                                  "column family \"\(familyName)\": key group \(keyGroup.map(String.init) ?? "prefix missing") after key group \(lastKeyGroup ?? -1)")
            }
            lastKeyGroup = keyGroup
            headKeyGroup = keyGroup
        } catch {
            giveUp(error)
        }
    }

    /// The walk cannot go on: the rest of the family (from the last key group read) is lost.
    private mutating func giveUp(_ error: any Error) {
        let from = min(max(lastKeyGroup ?? keyGroups.lowerBound, keyGroups.lowerBound), keyGroups.upperBound)
        damage.record(LSMDamage(keyGroups: from...keyGroups.upperBound, file: instance, blockOffset: nil, error: error))
        iterator = nil
        headKeyGroup = nil
    }

    public mutating func skip(outside range: Range<Int>) {
        while let k = headKeyGroup, !range.contains(k) { advance() }
    }

    /// Appends the entries of `keyGroup` to `group` (check `damage.covers(keyGroup)` afterwards).
    public mutating func take(keyGroup: Int, into group: inout RawKeyGroup) {
        while headKeyGroup == keyGroup {
            let index = stateIndex
            iterator!.withCurrent { key, value in group.append(stateIndex: index, key: key, value: value) }
            advance()
        }
    }
}
