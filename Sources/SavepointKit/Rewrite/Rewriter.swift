import Foundation
import SavepointMetadata
import Storage

/// `savepoint rewrite`: a plan applied in two places, to `_metadata` (operator ids, uids, removed
/// operators: `OperatorChange`) and to keyed entries (dropped states, renames in the LSM form,
/// everything with `--to`: `KeyedPipeline`, the converter's one pipeline). Operators whose
/// entries the plan does not touch keep their files, copied byte for byte (a renamed state's
/// streams behind a new header), so a uid change costs what copying the savepoint costs; the
/// others are read, sent through the plan's stages and written by the writer of their form.
///
/// The input is only read. The output is written into a hidden temporary sibling of `OUT`, read
/// back (every copied file by size and hash, `_metadata` equal to the planned one, quick
/// validation without errors) and renamed into place only then; any failure, SIGINT or SIGTERM
/// removes it.
public struct Rewriter {
    public struct Options: Sendable {
        public var force = false
        public var dryRun = false
        /// `--to`: every operator is written through the pipeline in this form; nil keeps each
        /// operator's form (only operators whose entries change are written again).
        public var target: ConvertOptions.Target?
        /// What `--purge-expired-ttl` compares expiry with: milliseconds since the epoch (`--now`).
        public var now = Int64(Date().timeIntervalSince1970 * 1000)
        /// Remove the temporary output and exit on SIGINT/SIGTERM (the command line sets it).
        public var handleSignals = false
        /// Bytes of entries re-keying holds in memory before it spills a run (tests make it small
        /// to force spill files on small fixtures).
        public var rekeyMemoryBudget = KeyGroupRekeying.defaultMemoryBudget
        /// Test hook: called with the written (temporary) directory before verification.
        public var beforeVerification: (@Sendable (URL) throws -> Void)?
        public init(force: Bool = false, dryRun: Bool = false, handleSignals: Bool = false) {
            self.force = force
            self.dryRun = dryRun
            self.handleSignals = handleSignals
        }
    }

    public let input: Savepoint
    public let plan: RewritePlan
    public let options: Options

    public init(input: Savepoint, plan: RewritePlan, options: Options = Options()) {
        self.input = input
        self.plan = plan
        self.options = options
    }

    /// Checks the plan, then writes `output` (or, for a dry run, reports what it would write).
    public func write(to output: URL) throws -> RewriteReport { try write(to: output.path) }

    /// Rewrites into `output`, a local path or a URI of a registered storage.
    public func write(to output: String) throws -> RewriteReport {
        let started = Date()
        let changes = try plan.check(against: input)
        let applied = storedMetadata.applying(changes)
        let pipelined = try pipelinedOperators(changes, in: applied)
        let renames = Dictionary(uniqueKeysWithValues: changes.filter { !$0.stateRenames.isEmpty && !pipelined.contains($0.finalID) }
            .map { ($0.finalID, $0.stateRenames) })
        let (files, planned) = try StateFiles.plan(applied, of: input, renames: renames, leaving: pipelined)
        var pipeline = KeyedPipeline(
            metadata: planned,
            stages: Dictionary(uniqueKeysWithValues: changes.filter { pipelined.contains($0.finalID) && $0.changesKeyedState }
                .map { ($0.finalID, $0.stages(now: options.now)) }),
            pipelined: pipelined, setsFormatType: options.target != nil)
        var report = RewriteReport(
            path: input.path, output: try StorageResolver.shared.resolveOutput(output).path, dryRun: options.dryRun, plan: plan,
            target: options.target, operators: try changes.map(describe), operatorsWritten: planned.operatorStates.count,
            operatorsConverted: pipelined.count,
            filesCopied: files.files.count, files: files.files.map(\.name), bytesCopied: files.totalBytes,
            metadataSize: 0, verified: false, seconds: 0)
        let moves = changes.filter(\.rekeys).map {
            OperatorRekeyings.Move(outputID: $0.finalID, input: $0.before, maxParallelism: $0.newMaxParallelism!)
        }
        guard !options.dryRun else {
            report.metadataSize = try planned.serialized().count
            // Re-keying is counted by doing it, in a scratch directory of the system's.
            let spill = FileManager.default.temporaryDirectory.appendingPathComponent("savepoint-rekey-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: spill) }
            if !moves.isEmpty {
                try FileManager.default.createDirectory(at: spill, withIntermediateDirectories: true)
                pipeline.rekeyings = OperatorRekeyings(input: input, moves: moves, spillDirectory: spill,
                                                        memoryBudget: options.rekeyMemoryBudget)
            }
            try pipeline.count(in: input)
            try Self.checkUpserts(changes)
            report.addEntries(pipeline, changes)
            return report
        }

        let out = try ConversionOutput(final: output, input: input, force: options.force, activity: "rewriting")
        if options.handleSignals { out.removeOnSignals() }
        do {
            let prints = try ParallelJobs.run(count: files.files.count) { k in
                let file = files.files[k]
                let destination = out.storage.path(file.name, in: out.directory)
                if file.name.contains("/") {
                    try out.storage.makeDirectory(out.storage.directory(of: destination))
                }
                return try FileCopy.copy(file.source, in: input.storage, skipping: file.skip, after: file.header,
                                         to: destination, in: out.storage)
            }
            // Entries moving between subtasks are sorted through local spill files (beside the
            // output when it is local), removed once every subtask is written.
            let spill = out.scratchDirectory(".rekey-spill")
            if !moves.isEmpty {
                try FileManager.default.createDirectory(at: spill, withIntermediateDirectories: true)
                pipeline.rekeyings = OperatorRekeyings(input: input, moves: moves, spillDirectory: spill,
                                                        memoryBudget: options.rekeyMemoryBudget)
            }
            var converter = Converter(input: input, options: try convertOptions(pipelined, in: planned), pipeline: pipeline)
            var final = planned
            try converter.convertSubtasks(into: &final, placement: StreamPlacement(
                storage: out.storage, directory: out.directory, finalDirectory: out.finalPath,
                inlineThreshold: converter.options.effectiveInlineThreshold))
            if !moves.isEmpty {
                pipeline.rekeyings?.removeFiles()
                try FileManager.default.removeItem(at: spill)
            }
            try Self.checkUpserts(changes)
            let metadataBytes = try final.serialized()
            report.metadataSize = metadataBytes.count
            let openWritten = try out.stageMetadata(metadataBytes)
            try options.beforeVerification?(out.tempURL)
            try verify(openWritten, planned: final, files: files, prints: prints, changes: changes, converter: converter)
            report.addEntries(pipeline, changes)
            report.warnings = converter.warnings
            report.verified = true
            try out.commit()
        } catch {
            out.abandon()
            throw error
        }
        report.seconds = ReportJSON.seconds(Date().timeIntervalSince(started))
        return report
    }

    /// Every line of an upsert file matched an entry (read by now); else the rewrite fails.
    static func checkUpserts(_ changes: [OperatorChange]) throws {
        for matches in changes.flatMap(\.upsertMatches) { try matches.check() }
    }

    /// The operators (by id in the output) written through the pipeline: all with `--to`; else
    /// those whose entries change, and those whose states are renamed in the LSM form (the names
    /// are column families there, written again by the LSM writer).
    func pipelinedOperators(_ changes: [OperatorChange], in applied: CheckpointMetadata) throws -> Set<OperatorID> {
        if options.target != nil { return Set(applied.operatorStates.map(\.operatorID)) }
        var out = Set<OperatorID>()
        for change in changes where !change.removed && change.changesKeyedState {
            let lsm = change.before.subtaskStates.contains {
                if case .incrementalRemote? = $0.state?.managedKeyedState { return true } else { return false }
            }
            if change.touchesEntries || lsm { out.insert(change.finalID) }
        }
        return out
    }

    /// The converter's options: `--to`'s form, else the form the rewritten operators have.
    func convertOptions(_ pipelined: Set<OperatorID>, in metadata: CheckpointMetadata) throws -> ConvertOptions {
        var options = ConvertOptions(target: self.options.target ?? .filesystem)
        guard self.options.target == nil else { return options }
        var forms = Set<ConvertOptions.Target>()
        for op in metadata.operatorStates where pipelined.contains(op.operatorID) {
            for case let keyed? in op.subtaskStates.map(\.state?.managedKeyedState) {
                switch SavepointForm.form(of: keyed) {
                case .lsm: forms.insert(.lsm)
                case .memorySnapshot: forms.insert(SavepointForm(input.metadata) == .memorySnapshot ? .memory : .filesystem)
                default: forms.insert(.filesystem)
                }
            }
        }
        guard forms.count <= 1 else {
            throw SavepointError.usage("the operators to rewrite keep their keyed state in different forms (\(forms.map(\.rawValue).sorted().joined(separator: ", "))); give --to")
        }
        options.target = forms.first ?? .filesystem
        return options
    }

    /// Each renamed operator's keyed streams read back: the input's states under their new names,
    /// in the same order (entries refer to them by index).
    func verifyRenamedHeaders(_ written: Savepoint, changes: [OperatorChange]) throws {
        for change in changes where !change.stateRenames.isEmpty {
            let inputOp = change.before
            guard let op = written.metadata.operatorStates.first(where: { $0.operatorID == change.finalID }) else {
                throw ConvertError.verificationFailed("operator \(inputOp.displayName) is missing from the output")
            }
            for (a, b) in zip(inputOp.subtaskStates, op.subtaskStates) {
                guard let ka = a.state?.managedKeyedState, let kb = b.state?.managedKeyedState else { continue }
                let planned = try KeyedStreams.open(ka, of: inputOp, in: input).proxy.states.map { change.stateRenames[$0.name] ?? $0.name }
                let read = try KeyedStreams.open(kb, of: op, in: written).proxy.states.map(\.name)
                guard planned == read else {
                    throw ConvertError.verificationFailed("operator \(op.displayName) subtask \(b.subtaskIndex): states \(read) read back, \(planned) planned")
                }
            }
        }
    }

    /// The input's metadata as stored: without the uids only the user gave (`--uids`), which a
    /// metadata version before 5 does not store.
    var storedMetadata: CheckpointMetadata {
        var metadata = input.metadata
        for i in metadata.operatorStates.indices where input.uidsFromUser.contains(metadata.operatorStates[i].operatorID) {
            metadata.operatorStates[i].uid = nil
        }
        return metadata
    }

    func describe(_ change: OperatorChange) throws -> RewriteReport.OperatorChangeReport {
        let op = change.before
        return RewriteReport.OperatorChangeReport(
            operator: op.displayName, operatorId: op.operatorID.hex, operations: change.operations,
            removed: change.removed, newOperatorId: change.newID?.hex, newUid: change.newUid,
            renamedStates: change.stateRenames, droppedStates: change.droppedStates.sorted(),
            maxParallelism: op.maxParallelism, newMaxParallelism: change.newMaxParallelism,
            uidStored: change.newUid != nil && input.metadata.storesOperatorUids,
            states: try StateNames.of(op, in: input).names,
            subtasks: op.subtaskStates.filter { $0.state != nil }.count,
            coordinatorState: op.coordinatorState != nil)
    }

    /// The written directory read back: `_metadata` as planned, every copied file byte-identical
    /// (size and hash), renamed states' stream headers as planned, the pipeline's operators with
    /// the digests of the input with the plan applied, and quick validation without errors.
    func verify(_ openWritten: () throws -> Savepoint, planned: CheckpointMetadata, files: StateFiles, prints: [FileCopy.Fingerprint],
                changes: [OperatorChange], converter: Converter) throws {
        let written: Savepoint
        do { written = try openWritten() } catch {
            throw ConvertError.verificationFailed("the written _metadata does not read back: \(error)")
        }
        guard written.metadata == planned else {
            throw ConvertError.verificationFailed("the _metadata read back differs from the planned one")
        }
        let copies = try ParallelJobs.run(count: files.files.count) { k in
            try FileCopy.fingerprint(written.storage.path(files.files[k].name, in: written.location.metadataDirectory),
                                     in: written.storage, headerLength: files.files[k].header.count)
        }
        for (k, (copy, original)) in zip(copies, prints).enumerated() where copy != original {
            throw ConvertError.verificationFailed("\(files.files[k].name) differs from \(files.files[k].source) "
                + "(\(copy.size) bytes, hash \(String(copy.hash, radix: 16)); expected \(original.size) bytes, hash \(String(original.hash, radix: 16)))")
        }
        try verifyRenamedHeaders(written, changes: changes.filter { converter.pipeline.pipelined?.contains($0.finalID) != true })
        // The operators written through the pipeline: their entries as the plan makes the input's.
        if converter.pipeline.pipelined?.isEmpty == false {
            do { _ = try converter.verify(written) } catch let e as ConvertError { throw e } catch {
                throw ConvertError.verificationFailed("the output does not read back: \(error)")
            }
        }
        let validation = Validator(savepoint: written).run()
        if let first = validation.findings.first(where: { $0.severity == .error }) {
            throw ConvertError.verificationFailed("quick validation of the output: \(first.code.rawValue): \(first.message)")
        }
    }
}
