import Foundation
import SavepointMetadata

/// `savepoint rewrite` for plans that change `_metadata` (operator ids, uids, removed operators)
/// and keyed stream headers (renamed states): the new `_metadata` is written with the metadata
/// writer and every state file it refers to is copied byte for byte (a renamed state's streams
/// behind a new header), so a rewrite costs what copying the savepoint costs.
///
/// The input is only read. The output is written into a hidden temporary sibling of `OUT`, read
/// back (every copied file by size and hash, `_metadata` equal to the planned one, quick
/// validation without errors) and renamed into place only then; any failure, SIGINT or SIGTERM
/// removes it.
public struct Rewriter {
    public struct Options: Sendable {
        public var force = false
        public var dryRun = false
        /// Remove the temporary output and exit on SIGINT/SIGTERM (the command line sets it).
        public var handleSignals = false
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
    public func write(to output: URL) throws -> RewriteReport {
        let started = Date()
        let changes = try plan.check(against: input)
        let renames = Dictionary(uniqueKeysWithValues: changes.filter { !$0.stateRenames.isEmpty }.map { ($0.finalID, $0.stateRenames) })
        let (files, planned) = try StateFiles.plan(storedMetadata.applying(changes), of: input, renames: renames)
        var report = RewriteReport(
            path: input.path, output: output.standardizedFileURL.path, dryRun: options.dryRun, plan: plan,
            operators: try changes.map(describe), operatorsWritten: planned.operatorStates.count,
            filesCopied: files.files.count, files: files.files.map(\.name), bytesCopied: files.totalBytes,
            metadataSize: 0, verified: false, seconds: 0)
        let metadataBytes = try planned.serialized()
        report.metadataSize = metadataBytes.count
        guard !options.dryRun else { return report }

        let inputDirectory = URL(fileURLWithPath: (input.metadataPath as NSString).deletingLastPathComponent)
        let out = try ConversionOutput(final: output, input: inputDirectory, force: options.force, activity: "rewriting")
        if options.handleSignals { out.removeOnSignals() }
        do {
            let prints = try ParallelJobs.run(count: files.files.count) { k in
                let file = files.files[k]
                let destination = out.tempURL.appendingPathComponent(file.name)
                if file.name.contains("/") {
                    try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
                }
                return try FileCopy.copy(file.source, skipping: file.skip, after: file.header, to: destination.path)
            }
            try Data(metadataBytes).write(to: out.tempURL.appendingPathComponent(Savepoint.metadataFileName))
            try options.beforeVerification?(out.tempURL)
            try verify(out.tempURL, planned: planned, files: files, prints: prints, changes: changes)
            report.verified = true
            try out.commit()
        } catch {
            out.abandon()
            throw error
        }
        report.seconds = ReportJSON.seconds(Date().timeIntervalSince(started))
        return report
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
            renamedStates: change.stateRenames,
            uidStored: change.newUid != nil && input.metadata.storesOperatorUids,
            states: try StateNames.of(op, in: input).names,
            subtasks: op.subtaskStates.filter { $0.state != nil }.count,
            coordinatorState: op.coordinatorState != nil)
    }

    /// The written directory read back: `_metadata` as planned, every copied file byte-identical
    /// (size and hash), renamed states' stream headers as planned, and quick validation without
    /// errors.
    func verify(_ directory: URL, planned: CheckpointMetadata, files: StateFiles, prints: [FileCopy.Fingerprint],
                changes: [OperatorChange]) throws {
        let written: Savepoint
        do { written = try Savepoint.open(directory.path) } catch {
            throw ConvertError.verificationFailed("the written _metadata does not read back: \(error)")
        }
        guard written.metadata == planned else {
            throw ConvertError.verificationFailed("the _metadata read back differs from the planned one")
        }
        let copies = try ParallelJobs.run(count: files.files.count) { k in
            try FileCopy.fingerprint(directory.appendingPathComponent(files.files[k].name).path, headerLength: files.files[k].header.count)
        }
        for (k, (copy, original)) in zip(copies, prints).enumerated() where copy != original {
            throw ConvertError.verificationFailed("\(files.files[k].name) differs from \(files.files[k].source) "
                + "(\(copy.size) bytes, hash \(String(copy.hash, radix: 16)); expected \(original.size) bytes, hash \(String(original.hash, radix: 16)))")
        }
        try verifyRenamedHeaders(written, changes: changes)
        let validation = Validator(savepoint: written).run()
        if let first = validation.findings.first(where: { $0.severity == .error }) {
            throw ConvertError.verificationFailed("quick validation of the output: \(first.code.rawValue): \(first.message)")
        }
    }
}
