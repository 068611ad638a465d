import Bytes
import Foundation
import SavepointMetadata
import Storage

/// What `savepoint rewrite` does to a savepoint: one list of operations, applied in order, from
/// the command line (`--set-uid counter=counter-v2`) or from a reviewable file (`--plan FILE.json`).
///
/// The file format (version 1) is one object with the operations in the command line's words:
///
///     {
///       "version": 1,
///       "operations": [
///         {"operation": "set-uid", "operator": "counter", "to": "counter-v2"},
///         {"operation": "set-operator-id", "operator": "window", "to": "2b1c0e5d9f8a7b6c5d4e3f2a1b0c9d8e"},
///         {"operation": "remove-operator", "operator": "0da08f51eaa85fc298e176a139b3649a"},
///         {"operation": "rename-state", "operator": "counter", "state": "count", "to": "total"},
///         {"operation": "drop-state", "operator": "counter", "state": "events"},
///         {"operation": "delete-keys", "operator": "counter", "file": "bad-keys.jsonl"},
///         {"operation": "purge-expired-ttl", "operator": "types", "state": "ttlValue", "ttl": "36h"},
///         {"operation": "max-parallelism", "to": 256},
///         {"operation": "upsert", "file": "patch.jsonl"}
///       ]
///     }
///
/// `operator` is a uid, or an operator id in hex (32 digits, as Flink prints it); `max-parallelism`
/// without one applies to every operator; `upsert` takes none (its lines name their operators).
public struct RewritePlan: Sendable, Equatable {
    public static let formatVersion = 1

    public enum Operation: Sendable, Equatable {
        /// The operator's id becomes murmur3_128 of `uid` (as Flink derives it) and its stored uid
        /// `uid`; all its state (keyed, operator, coordinator) goes with it.
        case setUid(operator: String, uid: String)
        /// For jobs that use `setUidHash`: the operator's id becomes `id`.
        case setOperatorID(operator: String, id: OperatorID)
        /// The operator and all its state leave the savepoint.
        case removeOperator(operator: String)
        /// A keyed state of the operator is renamed (Flink restores state by name: a state renamed
        /// in the code would otherwise start empty and the old one stay unread).
        case renameState(operator: String, state: String, to: String)
        /// A keyed state of the operator and all its entries leave the savepoint (Flink refuses
        /// state it cannot map only for whole operators: a stale state would stay forever).
        case dropState(operator: String, state: String)
        /// Every entry (timers included) of the keys in `file` (dump-schema JSON, one a line)
        /// leaves the operator's keyed state.
        case deleteKeys(operator: String, file: String)
        /// Only the entries of the keys in `file` stay in the operator's keyed state.
        case keepKeys(operator: String, file: String)
        /// Entries of TTL states whose last access + `ttl` (a duration: `36h`, `3650d`) is at or
        /// before the rewrite's `now` leave; every TTL state of every operator without `operator`.
        case purgeExpiredTTL(operator: String?, state: String?, ttl: String)
        /// The max parallelism (number of key groups) becomes `to`: every keyed entry and timer is
        /// re-assigned to its key group as Flink assigns keys (`Rekey/`). Without an operator,
        /// every operator's (Flink requires one max parallelism per job vertex, chained operators
        /// included).
        case setMaxParallelism(operator: String?, to: Int)
        /// The values of the dump lines in `file` replace those of the same entries (operator,
        /// state, key, namespace, user key) of value and map state (`UpsertStage`).
        case upsert(file: String)

        /// The operator selector the operation acts on (nil: every operator).
        public var operatorSelector: String? {
            switch self {
            case let .setUid(op, _), let .setOperatorID(op, _), let .removeOperator(op), let .renameState(op, _, _),
                 let .dropState(op, _), let .deleteKeys(op, _), let .keepKeys(op, _): return op
            case let .purgeExpiredTTL(op, _, _), let .setMaxParallelism(op, _): return op
            case .upsert: return nil
            }
        }

        /// The operation as its command-line option, e.g. `--set-uid counter=counter-v2`.
        public var commandLine: String {
            switch self {
            case let .setUid(op, uid): return "--set-uid \(op)=\(uid)"
            case let .setOperatorID(op, id): return "--set-operator-id \(op)=\(id.hex)"
            case let .removeOperator(op): return "--remove-operator \(op)"
            case let .renameState(op, state, to): return "--rename-state \(op)/\(state)=\(to)"
            case let .dropState(op, state): return "--drop-state \(op)/\(state)"
            case let .deleteKeys(op, file): return "--delete-keys \(op)=\(file)"
            case let .keepKeys(op, file): return "--keep-keys \(op)=\(file)"
            case let .purgeExpiredTTL(op?, state?, ttl): return "--purge-expired-ttl \(op)/\(state)=\(ttl)"
            case let .purgeExpiredTTL(_, _, ttl): return "--purge-expired-ttl \(ttl)"
            case let .setMaxParallelism(op, n): return "--max-parallelism " + (op.map { "\($0)=\(n)" } ?? "\(n)")
            case let .upsert(file): return "--upsert \(file)"
            }
        }
    }

    public var operations: [Operation]

    public init(operations: [Operation] = []) { self.operations = operations }

    // MARK: from the command line

    /// `OLD=NEW` of `--set-uid`.
    public static func setUid(_ argument: String) throws -> Operation {
        let (op, uid) = try split(argument, option: "--set-uid", example: "counter=counter-v2")
        return .setUid(operator: op, uid: uid)
    }

    /// `OP=HEX` of `--set-operator-id`.
    public static func setOperatorID(_ argument: String) throws -> Operation {
        let (op, hex) = try split(argument, option: "--set-operator-id", example: "counter=0da08f51eaa85fc298e176a139b3649a")
        guard let id = OperatorID(hex: hex) else {
            throw SavepointError.usage("--set-operator-id \(argument): \(hex) is not an operator id (32 hex digits)")
        }
        return .setOperatorID(operator: op, id: id)
    }

    /// `OP` of `--remove-operator`.
    public static func removeOperator(_ argument: String) throws -> Operation {
        guard !argument.isEmpty else { throw SavepointError.usage("--remove-operator needs an operator uid or id") }
        return .removeOperator(operator: argument)
    }

    /// `OP/OLD=NEW` of `--rename-state`: the operator is up to the first `/` (state names may hold
    /// `/`), the state up to the first `=` after it.
    public static func renameState(_ argument: String) throws -> Operation {
        let usage = "--rename-state takes OP/OLD=NEW, e.g. --rename-state counter/count=total; got \(argument)"
        guard let slash = argument.firstIndex(of: "/"), slash != argument.startIndex else { throw SavepointError.usage(usage) }
        let rest = String(argument[argument.index(after: slash)...])
        guard let (state, to) = try? split(rest, option: "--rename-state", example: "") else { throw SavepointError.usage(usage) }
        return .renameState(operator: String(argument[..<slash]), state: state, to: to)
    }

    /// `OP/STATE` of `--drop-state`: the operator is up to the first `/` (state names may hold `/`).
    public static func dropState(_ argument: String) throws -> Operation {
        guard let slash = argument.firstIndex(of: "/"), slash != argument.startIndex,
              argument.index(after: slash) != argument.endIndex else {
            throw SavepointError.usage("--drop-state takes OP/STATE, e.g. --drop-state counter/events; got \(argument)")
        }
        return .dropState(operator: String(argument[..<slash]), state: String(argument[argument.index(after: slash)...]))
    }

    /// `OP=FILE` of `--delete-keys`.
    public static func deleteKeys(_ argument: String) throws -> Operation {
        let (op, file) = try split(argument, option: "--delete-keys", example: "counter=bad-keys.jsonl")
        return .deleteKeys(operator: op, file: file)
    }

    /// `OP=FILE` of `--keep-keys`.
    public static func keepKeys(_ argument: String) throws -> Operation {
        let (op, file) = try split(argument, option: "--keep-keys", example: "counter=keys.jsonl")
        return .keepKeys(operator: op, file: file)
    }

    /// `N` or `OP=N` of `--max-parallelism` (the operator is up to the last `=`: uids may contain `=`).
    public static func setMaxParallelism(_ argument: String) throws -> Operation {
        let eq = argument.lastIndex(of: "=")
        let number = eq.map { String(argument[argument.index(after: $0)...]) } ?? argument
        guard let n = Int(number), eq != argument.startIndex else {
            throw SavepointError.usage("--max-parallelism takes N or OP=N, e.g. --max-parallelism 256 or --max-parallelism counter=256; got \(argument)")
        }
        return .setMaxParallelism(operator: eq.map { String(argument[..<$0]) }, to: n)
    }

    /// `DURATION` or `OP/STATE=DURATION` of `--purge-expired-ttl`.
    public static func purgeExpiredTTL(_ argument: String) throws -> Operation {
        guard let slash = argument.firstIndex(of: "/") else {
            _ = try TTLPurgeStage.duration(argument, option: "--purge-expired-ttl")
            return .purgeExpiredTTL(operator: nil, state: nil, ttl: argument)
        }
        let usage = "--purge-expired-ttl takes DURATION or OP/STATE=DURATION, e.g. --purge-expired-ttl 36h; got \(argument)"
        guard slash != argument.startIndex, let eq = argument.lastIndex(of: "="), eq > argument.index(after: slash),
              argument.index(after: eq) != argument.endIndex else { throw SavepointError.usage(usage) }
        let ttl = String(argument[argument.index(after: eq)...])
        _ = try TTLPurgeStage.duration(ttl, option: "--purge-expired-ttl")
        return .purgeExpiredTTL(operator: String(argument[..<slash]), state: String(argument[argument.index(after: slash)..<eq]), ttl: ttl)
    }

    /// `KEY=VALUE`, both non-empty; the first `=` splits (uids may contain `=`).
    private static func split(_ argument: String, option: String, example: String) throws -> (String, String) {
        guard let eq = argument.firstIndex(of: "="), eq != argument.startIndex,
              argument.index(after: eq) != argument.endIndex else {
            throw SavepointError.usage("\(option) takes \(option == "--set-uid" ? "OLD=NEW" : "OP=VALUE"), e.g. \(option) \(example); got \(argument)")
        }
        return (String(argument[..<eq]), String(argument[argument.index(after: eq)...]))
    }

    // MARK: from a file

    /// Reads a plan file; errors name the file and what is wrong in it.
    public static func read(file path: String) throws -> RewritePlan {
        let data = try contents(of: path)
        do {
            return try JSONDecoder().decode(RewritePlan.self, from: data)
        } catch let e as PlanFormatError {
            throw SavepointError.usage("\(path): not a rewrite plan: \(e.message)")
        } catch {
            throw SavepointError.usage("\(path): not a rewrite plan: not valid JSON")
        }
    }
}

extension RewritePlan {
    /// The bytes of a file the plan names (the plan itself, a file of keys); errors name it.
    static func contents(of path: String) throws -> Data {
        let (storage, at) = try StorageResolver.shared.resolve(path)
        switch storage.status(at) {
        case .regularFile: break
        case .missing: throw SavepointError.unreadable(path: path, reason: "no such file")
        case let status: throw SavepointError.unreadable(path: path, reason: status.problemAsFile ?? "not a file")
        }
        do {
            let source = try storage.source(at, offset: 0, length: nil)
            return Data(try source.read(0..<source.size))
        } catch let e as FormatError {
            throw SavepointError.unreadable(path: path, reason: e.message)
        }
    }
}

/// A plan file that decodes as JSON but says something this version cannot do.
struct PlanFormatError: Error {
    var message: String
}

