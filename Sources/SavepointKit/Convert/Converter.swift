import Bytes
import CanonicalFormat
import Foundation
import SavepointMetadata

/// `savepoint convert`: rewrites a savepoint in another physical form (memory, filesystem, LSM)
/// or re-encodes it in the same form. Keyed state moves as raw bytes (no job classes needed);
/// operator state streams are copied; `_metadata` keeps operator ids, uids, names, parallelism,
/// max parallelism, version and properties, with the savepoint format type of the new form.
///
/// The input is only read. The output is written into a temporary sibling of `OUT`, read back and
/// compared with the input (per state: entry count and an order-independent digest), and renamed
/// into place only when equal; any failure removes it.
public struct Converter {
    public let input: Savepoint
    public let options: ConvertOptions
    /// The plan: `_metadata` to write, keyed-entry stages, which operators go through here.
    let pipeline: KeyedPipeline
    var warnings: [String] = []
    /// Input digests by operator id and subtask, taken while writing.
    var inputDigests: [String: StateDigest] = [:]
    var subtaskCount = 0
    /// What verification compares the output with: the input, less what `--skip-corrupt` dropped.
    var asRead: CheckpointMetadata
    var skipped: [SkippedRange] = []

    public init(input: Savepoint, options: ConvertOptions, pipeline: KeyedPipeline? = nil) {
        self.input = input
        self.options = options
        self.pipeline = pipeline ?? .identity(input.metadata)
        asRead = self.pipeline.metadata
    }

    /// Converts `input` into the directory `output`.
    public static func run(input path: String, output: String, options: ConvertOptions) throws -> ConvertReport {
        let savepoint = try Savepoint.open(path)
        var converter = Converter(input: savepoint, options: options)
        return try converter.write(to: output)
    }

    public mutating func write(to output: URL) throws -> ConvertReport { try write(to: output.path) }

    /// Converts into `output`, a local path or a URI of a registered storage.
    public mutating func write(to output: String) throws -> ConvertReport {
        let started = Date()
        let out = try ConversionOutput(final: output, input: input, force: options.force)
        if options.handleSignals { out.removeOnSignals() }
        do {
            let placement = StreamPlacement(storage: out.storage, directory: out.directory, finalDirectory: out.finalPath,
                                            inlineThreshold: options.effectiveInlineThreshold)
            var metadata = pipeline.metadata
            try convertSubtasks(into: &metadata, placement: placement)
            let bytes = try metadata.serialized()
            let openWritten = try out.stageMetadata(bytes)
            try options.beforeVerification?(out.tempURL)
            let verified: (perState: [String: Int64], written: Savepoint)
            do {
                verified = try verify(openWritten)
            } catch let e as ConvertError {
                throw e
            } catch {
                throw ConvertError.verificationFailed("the output does not read back: \(error)")
            }
            var report = try makeReport(output: out, written: verified.written, metadataSize: bytes.count,
                                        perState: verified.perState)
            try out.commit()
            report.seconds = ReportJSON.seconds(Date().timeIntervalSince(started))
            return report
        } catch {
            out.abandon()
            throw error
        }
    }

    // MARK: writing

    /// Where a subtask's state sits in the metadata: operator index, subtask entry index.
    typealias SubtaskPosition = (op: Int, entry: Int)

    /// Every subtask that holds state, in metadata order, of the operators the pipeline writes.
    static func subtasksWithState(_ pipeline: KeyedPipeline) -> [SubtaskPosition] {
        let metadata = pipeline.metadata
        return metadata.operatorStates.indices.flatMap { i in
            metadata.operatorStates[i].subtaskStates.indices.compactMap { j in
                metadata.operatorStates[i].subtaskStates[j].state == nil
                    || !pipeline.isPipelined(metadata.operatorStates[i]) ? nil : (i, j)
            }
        }
    }

    /// Converts every subtask the pipeline writes, side by side on the machine's cores (they share
    /// nothing), into `metadata` (the pipeline's, whose other operators the caller handles); sets
    /// the savepoint format type of the target form when the pipeline says so.
    mutating func convertSubtasks(into metadata: inout CheckpointMetadata, placement: StreamPlacement) throws {
        let source = pipeline.metadata
        let positions = Self.subtasksWithState(pipeline)
        let results = try ParallelJobs.run(count: positions.count) { k in
            let op = source.operatorStates[positions[k].op]
            let entry = op.subtaskStates[positions[k].entry]
            let result = try convert(entry.state!, of: op, subtask: entry.subtaskIndex, placement: placement)
            if let pause = options.pauseAfterEachSubtask { Thread.sleep(forTimeInterval: pause) }
            return result
        }
        for (position, result) in zip(positions, results) {
            let op = source.operatorStates[position.op]
            let index = op.subtaskStates[position.entry].subtaskIndex
            metadata.operatorStates[position.op].subtaskStates[position.entry] = OperatorState.SubtaskEntry(subtaskIndex: index, state: result.state)
            if let digest = result.keyedDigest { inputDigests[Self.digestKey(op, index)] = digest }
            if let read = result.asRead {
                asRead.operatorStates[position.op].subtaskStates[position.entry] = OperatorState.SubtaskEntry(subtaskIndex: index, state: read)
            }
            skipped += result.skipped
            for w in result.warnings where !warnings.contains(w) { warnings.append(w) }
        }
        subtaskCount = positions.count
        if pipeline.setsFormatType, let trailer = metadata.checkpointProperties {
            metadata.checkpointProperties = (options.target == .lsm ? SavepointFormatType.native : .canonical).applied(to: trailer)
        }
    }

    /// One converted subtask: its new state, the digest of its input keyed state, warnings.
    struct SubtaskResult {
        var state: OperatorSubtaskState
        var keyedDigest: StateDigest?
        var warnings: [String] = []
        /// `--skip-corrupt`: the input state without the handles that did not read (nil: all read).
        var asRead: OperatorSubtaskState?
        var skipped: [SkippedRange] = []
    }

    func convert(_ state: OperatorSubtaskState, of op: OperatorState, subtask: Int,
                 placement: StreamPlacement) throws -> SubtaskResult {
        guard state.inputChannelState.isEmpty, state.resultSubpartitionState.isEmpty else {
            throw SavepointError.unsupported("operator \(op.displayName) subtask \(subtask) holds in-flight data (unaligned checkpoint channel state)")
        }
        if options.skipCorrupt { return try convertSalvaging(state, of: op, subtask: subtask, placement: placement) }
        var out = OperatorSubtaskState(legacyDuration: state.legacyDuration)
        out.managedOperatorState = try state.managedOperatorState.map { try copy($0, placement: placement) }
        out.rawOperatorState = try state.rawOperatorState.map { try copy($0, placement: placement) }
        out.rawKeyedState = try state.rawKeyedState.map { try copyRaw($0, of: op, placement: placement) }
        return try convertKeyed(state.managedKeyedState.map { try pipeline.reader($0, of: op, in: input) },
                                into: SubtaskResult(state: out), of: op, subtask: subtask, placement: placement)
    }

    /// Writes the keyed state `reader` reads (nil: none) into `result`, digesting it on the way.
    func convertKeyed(_ reader: (any RawKeyedStateReader)?, into result: SubtaskResult, of op: OperatorState,
                      subtask: Int, placement: StreamPlacement) throws -> SubtaskResult {
        var result = result
        if let reader {
            let box = DigestBox(for: reader)
            result.state.managedKeyedState = try writeDigesting(reader, into: box, placement: placement)
            result.keyedDigest = box.digest
            if options.target == .lsm, reader.proxy.states.contains(where: { $0.backendStateType == .priorityQueue }) {
                // Flink's own native savepoints of a RocksDB backend with heap timers carry no timers at all.
                result.warnings.append("operator \(op.displayName): timers are written as RocksDB column families, which a RocksDB backend restores only with its default timer service (state.backend.rocksdb.timer-service.factory: ROCKSDB); with HEAP timers the job would start without them")
            }
            if options.target == .memory, case let .keyGroups(h)? = result.state.managedKeyedState,
               case let .byteStream(_, data) = h.delegate, data.count > ConvertOptions.jobManagerMaxStateSize {
                result.warnings.append("operator \(op.displayName) subtask \(subtask): keyed state of \(data.count) bytes exceeds the \(ConvertOptions.jobManagerMaxStateSize) bytes JobManager storage accepts by default (state.backend.memory max state size)")
            }
        }
        return result
    }

    func writeDigesting<R: RawKeyedStateReader>(_ reader: R, into box: DigestBox,
                                                placement: StreamPlacement) throws -> KeyedStateHandle {
        try writeKeyed(DigestingReader(base: reader, sink: box), placement: placement)
    }

    /// The single place that chooses the keyed state writer for the target form.
    func writeKeyed(_ reader: some RawKeyedStateReader, placement: StreamPlacement) throws -> KeyedStateHandle {
        switch options.target {
        case .memory, .filesystem:
            let compressed = options.snapshotCompression ?? reader.proxy.usingKeyGroupCompression
            return try CanonicalKeyedStateWriter.write(reader, compressed: compressed, placement: placement)
        case .lsm:
            return try LSMConversion.write(reader, options: options, metadataVersion: input.metadata.version,
                                           checkpointId: input.metadata.checkpointId,
                                           placement: placement)
        }
    }

    /// Operator state streams are copied byte for byte (offsets stay valid); file-merging segments
    /// become plain streams of their own.
    func copy(_ handle: OperatorStateHandle, placement: StreamPlacement) throws -> OperatorStateHandle {
        OperatorStateHandle(stateNameToPartitionOffsets: handle.stateNameToPartitionOffsets,
                            delegate: try copy(handle.delegate, placement: placement))
    }

    func copy(_ stream: StreamStateHandle, placement: StreamPlacement) throws -> StreamStateHandle {
        let source = try input.openStream(stream)
        return try placement.place(try attributing(to: source.name) { try source.read(0..<source.size) })
    }

    /// Raw keyed state (legacy heap timers of old jobs) is user-defined bytes: copied as is.
    func copyRaw(_ handle: KeyedStateHandle, of op: OperatorState, placement: StreamPlacement) throws -> KeyedStateHandle {
        guard case var .keyGroups(h) = handle else {
            throw SavepointError.unsupported("operator \(op.displayName) has raw keyed state in a handle other than a key-groups stream")
        }
        h.delegate = try copy(h.delegate, placement: placement)
        return .keyGroups(h)
    }

    static func digestKey(_ op: OperatorState, _ subtask: Int) -> String { "\(op.operatorID.hex)#\(subtask)" }

    func makeReport(output: ConversionOutput, written: Savepoint, metadataSize: Int,
                    perState: [String: Int64]) throws -> ConvertReport {
        // `_metadata` counts as written whether it is staged on disk yet or held for the end.
        let files = ((try? output.storage.list(output.directory)) ?? []).filter { $0.name != Savepoint.metadataFileName }
        let bytes = files.reduce(Int64(metadataSize)) { $0 + $1.size }
        // What Flink will see, in its words: the input's and the written output's origin.
        return ConvertReport(
            path: input.path, output: output.finalPath, inputForm: SavepointForm(input.metadata).rawValue,
            inputOrigin: try? InspectReport(input).origin, outputOrigin: try? InspectReport(written).origin,
            target: options.target, operators: input.metadata.operatorStates.count, subtasks: subtaskCount,
            keyedEntries: perState.values.reduce(0, +), entriesPerState: perState,
            filesWritten: files.count, bytesWritten: bytes, metadataSize: metadataSize, verified: true,
            seconds: 0, warnings: warnings, skipped: options.skipCorrupt ? skipped : nil)
    }
}
