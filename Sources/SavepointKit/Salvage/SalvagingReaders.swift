import Bytes
import CanonicalFormat
import LSMFormat
import SavepointMetadata

/// Where a salvaging read is: what every skipped range of it names.
struct SalvageContext {
    let operatorName: String
    let subtask: Int
    let log: SalvageLog

    func skip(file: String, state: String? = nil, keyGroups: ClosedRange<Int>, byteOffset: Int?, error: any Error) {
        log.add(SkippedRange(operator: operatorName, subtask: subtask, state: state,
                             file: SkippedRange.file(of: error, fallback: file),
                             keyGroups: .init(first: keyGroups.lowerBound, last: keyGroups.upperBound),
                             byteOffset: byteOffset, reason: SkippedRange.reason(error)))
    }

    /// A file that does not read but holds nothing the read needs (an LSM instance's OPTIONS).
    func skipUnneeded(file: String, error: any Error) {
        log.add(SkippedRange(operator: operatorName, subtask: subtask, file: SkippedRange.file(of: error, fallback: file),
                             reason: SkippedRange.reason(error) + " (holds no entries)"))
    }
}

/// The raw keyed state readers of `--skip-corrupt`: they hand over every key group they can read
/// and log the others. A handle that does not open at all (a missing file, an unreadable header)
/// costs its whole key-group range; its reader then has no entries but the states' meta
/// information (of this handle's meta-data stream or of another subtask of the operator), so a
/// conversion still writes a complete handle.
enum SalvagingReaders {
    /// The reader, and the file (or LSM instance) its entries come from, for messages. `sorted`
    /// false: a keyed stream's key groups keep their stored order (a dump needs no other).
    static func open(_ handle: KeyedStateHandle, of op: OperatorState, subtask: Int, in savepoint: Savepoint,
                     log: SalvageLog, sorted: Bool = true) -> (reader: any RawKeyedStateReader, file: String)? {
        let context = SalvageContext(operatorName: op.displayName, subtask: subtask, log: log)
        do {
            switch handle {
            case .keyGroups:
                var reader = KeyedStateStreamRawReader(stream: try savepoint.openKeyedStream(handle, of: op),
                                                       keyGroupRange: handle.keyGroupRange)
                reader.salvage = context
                reader.sortsKeyGroups = sorted
                return (reader, reader.stream.source.name)
            case let .incrementalRemote(h):
                // A table that does not open costs its key groups of its state, not the instance;
                // a file the read does not need costs nothing, but is reported.
                var unreadable: [(path: String, table: (family: String, file: FileMetaData)?, error: any Error)] = []
                let state = try LSMKeyedState.open(h, of: op, in: savepoint) { unreadable.append(($0, $1, $2)) }
                var reader = LSMRawKeyedStateReader(state: state, keyGroupRange: h.keyGroupRange, maxParallelism: op.maxParallelism)
                reader.salvage = context
                for u in unreadable {
                    guard let (family, file) = u.table else {
                        context.skipUnneeded(file: "\(state.name) file \(u.path)", error: u.error)
                        continue
                    }
                    reader.unreadableTables[family, default: []].append(LSMDamage(
                        keyGroups: state.keyGroups(of: file), file: "\(state.name) table \(file.fileName)",
                        blockOffset: nil, error: u.error))
                }
                return (reader, state.name)
            default:
                return (try RawKeyedStateReaders.open(handle, of: op, in: savepoint), savepoint.metadataPath)
            }
        } catch {
            let range = handle.keyGroupRange
            context.skip(file: savepoint.metadataPath,
                         keyGroups: range.startKeyGroup...max(range.startKeyGroup, range.endKeyGroup),
                         byteOffset: nil, error: error)
            guard let proxy = metaInfo(of: handle, op: op, in: savepoint) else { return nil }
            return (EmptyKeyedStateReader(proxy: proxy, keyGroupRange: range, maxParallelism: op.maxParallelism),
                    savepoint.metadataPath)
        }
    }

    /// The states' meta information for a handle that does not open: its own meta-data stream
    /// (LSM), else the first other subtask of the operator whose header reads.
    static func metaInfo(of handle: KeyedStateHandle, op: OperatorState,
                         in savepoint: Savepoint) -> KeyedBackendSerializationProxy? {
        for candidate in [handle] + op.subtaskStates.compactMap({ $0.state?.managedKeyedState }) {
            if case let .incrementalRemote(h) = candidate, let proxy = try? LSMKeyedState.readProxy(h, of: op, in: savepoint) {
                return proxy
            }
            if case .keyGroups = candidate, let stream = try? savepoint.openKeyedStream(candidate, of: op) {
                return stream.proxy
            }
        }
        return nil
    }
}

extension LSMRawKeyedStateReader {
    /// One `SalvagingKeyGroupCursor` per state: a key group a state's column family may have
    /// lost in a damaged block is left out for that state only.
    func forEachKeyGroupSalvaging(_ salvage: SalvageContext, _ body: (_ group: RawKeyGroup) throws -> Void) throws {
        var families = state.columnFamilies
            .compactMap { cf in cf.stateIndex.map { (index: $0, family: cf) } }
            .sorted { $0.index < $1.index }
            .map { state.salvagingKeyGroupCursor(stateIndex: $0.index, family: $0.family,
                                                 known: unreadableTables[$0.family.name] ?? []) }
        defer { report(families, to: salvage) }
        let range = keyGroupRange.keyGroups
        var group = RawKeyGroup(), taken = RawKeyGroup()
        while true {
            for i in families.indices { families[i].skip(outside: range) }
            guard let keyGroup = families.compactMap(\.headKeyGroup).min() else { return }
            group.reset(keyGroup: keyGroup)
            for i in families.indices {
                taken.reset(keyGroup: keyGroup)
                families[i].take(keyGroup: keyGroup, into: &taken)
                guard !families[i].damage.covers(keyGroup) else { continue }
                taken.forEach { group.append(stateIndex: $0, key: $1, value: $2) }
            }
            if !group.isEmpty { try body(group) }
        }
    }

    /// Logs each family's damage, within this handle's key groups.
    private func report(_ families: [SalvagingKeyGroupCursor], to salvage: SalvageContext) {
        let range = keyGroupRange.keyGroups
        guard !range.isEmpty else { return }
        for family in families {
            for d in family.damage.damages {
                let first = max(d.keyGroups.lowerBound, range.lowerBound), last = min(d.keyGroups.upperBound, range.upperBound - 1)
                guard first <= last else { continue }
                salvage.skip(file: d.file, state: proxy.states[family.stateIndex].name, keyGroups: first...last,
                             byteOffset: d.blockOffset.map { Int(clamping: $0) }, error: d.error)
            }
        }
    }
}

/// The reader of a handle that did not open: the states' meta information and no entries.
struct EmptyKeyedStateReader: RawKeyedStateReader {
    let proxy: KeyedBackendSerializationProxy
    let keyGroupRange: KeyGroupRange
    let maxParallelism: Int

    func forEachKeyGroup(_ body: (_ group: RawKeyGroup) throws -> Void) throws {}
}
