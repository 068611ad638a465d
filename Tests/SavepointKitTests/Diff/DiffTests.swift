import Foundation
import SavepointKit
import SavepointTestSupport
import Testing

/// `savepoint diff` on savepoints real Flink wrote: the same state in two forms is equal, and the
/// same job at two points in time differs by exactly what the two sides' dumps differ by.
@Suite struct DiffTests {
    /// The pairs of one job's state in two forms: every basic and window fixture of a version
    /// against its `filesystem` form (heap-timer native savepoints carry no timers, and the rescaled
    /// form has another parallelism, so they are not the same state).
    static var sameState: [(Fixture, Fixture)] {
        Fixture.all.filter { ["basic", "window"].contains($0.directory.deletingLastPathComponent().lastPathComponent) }
            .filter { !["filesystem", "rocksdb-heap-timers-native", "rocksdb-native-rescaled"].contains($0.form) }
            .compactMap { f in
                let base = Fixture(directory: f.directory.deletingLastPathComponent().appendingPathComponent("filesystem"))
                return FileManager.default.fileExists(atPath: base.expectedPath) ? (base, f) : nil
            }
    }

    static let pairs = Fixture.root.appendingPathComponent("2.3.0/diff")
    static func side(_ form: String, _ point: String) -> String {
        pairs.appendingPathComponent("basic-\(form)/\(point)/savepoint").path
    }

    /// Earlier and later savepoints of one job, also across forms.
    static let twoPoints: [(String, String)] = [
        (side("rocksdb-native", "earlier"), side("rocksdb-native", "later")),
        (side("filesystem", "earlier"), side("filesystem", "later")),
        (side("rocksdb-native", "earlier"), side("filesystem", "later")),
        (side("filesystem", "earlier"), side("rocksdb-native", "later")),
    ]

    static func diff(_ old: String, _ new: String, rendered: Bool = false,
                     configure: (inout SavepointDiff) -> Void = { _ in }) throws -> (DiffReport, [JSONValue]) {
        var d = SavepointDiff(old: try Savepoint.open(old), new: try Savepoint.open(new))
        d.alwaysRendered = rendered
        configure(&d)
        let out = JSONLinesOutput.inMemory()
        let report = try d.run(entries: out)
        return (report, lines(out.collected))
    }

    static func lines(_ bytes: [UInt8]) -> [JSONValue] {
        bytes.split(separator: 0x0A).map { JSONValue.parse(Array($0)) ?? .string("unparseable: \(String(decoding: $0, as: UTF8.self))") }
    }

    static func dump(_ path: String) throws -> [JSONValue] {
        let out = JSONLinesOutput.inMemory()
        try Dumper(savepoint: try Savepoint.open(path), filter: DumpFilter()).run(into: out)
        try out.flush()
        return lines(out.collected)
    }

    @Test func pairsArePresent() {
        #expect(Self.sameState.count >= 20, "\(Self.sameState.count) same-state pairs")
    }

    @Test(arguments: sameState)
    func theSameStateInTwoFormsIsEqual(_ old: Fixture, _ new: Fixture) throws {
        let newPath = try #require(new.readablePath)
        let (report, lines) = try Self.diff(old.savepointPath, newPath)
        #expect(report.equal && lines.isEmpty, "\(old) vs \(new): \(report.states.filter(\.differs)) \(lines.prefix(3))")
        // Every entry was compared: as many unchanged as the dump has lines.
        #expect(report.states.reduce(0) { $0 + $1.unchanged } == (try Self.dump(newPath)).count)
    }

    @Test func convertOutputIsTheSameState() throws {
        let input = Self.side("filesystem", "later")
        let dir = try Scratch.directory("diff-convert")
        defer { try? FileManager.default.removeItem(at: dir) }
        for target in ConvertOptions.Target.allCases {
            let out = dir.appendingPathComponent("\(target)").path
            _ = try Converter.run(input: input, output: out, options: ConvertOptions(target: target))
            let (report, lines) = try Self.diff(input, out)
            #expect(report.equal && lines.isEmpty, "--to \(target): \(lines.prefix(3))")
        }
    }

    /// The entries `diff` prints are the difference of the two dumps: entries are identified as in a
    /// dump (operator, state, key, namespace, user key; a timer and an operator-list element by all
    /// of it), a changed entry carries NEW's value and OLD's as `before`.
    static func expectedDifference(old: [JSONValue], new: [JSONValue]) -> [JSONValue: Int] {
        func split(_ v: JSONValue) -> (id: JSONValue, value: JSONValue?) {
            guard case var .object(f) = v, case let .string(kind)? = f["kind"] else { return (v, nil) }
            if ["timer", "operator-list", "operator-union"].contains(kind) { return (v, nil) }
            let value = f.removeValue(forKey: "value")
            f.removeValue(forKey: "ttlTimestamp")
            return (.object(f), value)
        }
        var before: [JSONValue: [JSONValue]] = [:]
        for line in old { before[split(line).id, default: []].append(line) }
        var out: [JSONValue: Int] = [:]
        func add(_ line: JSONValue, _ change: String, _ previous: JSONValue? = nil) {
            guard case var .object(f) = line else { return }
            f["change"] = .string(change)
            if let previous { f["before"] = previous }
            out[.object(f), default: 0] += 1
        }
        for line in new {
            let (id, value) = split(line)
            guard var olds = before[id], let previous = olds.popLast() else { add(line, "added"); continue }
            before[id] = olds.isEmpty ? nil : olds
            if split(previous).value != value { add(line, "changed", split(previous).value) }
        }
        for line in before.values.joined() { add(line, "removed") }
        return out
    }

    static func counted(_ lines: [JSONValue]) -> [JSONValue: Int] {
        lines.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    /// Each side's dump is what real Flink restored from it (its oracle's `expected.jsonl`), so the
    /// difference of the dumps below is the difference of Flink's own dumps.
    static func dumpOfFlink(_ path: String) throws -> [JSONValue] {
        let expectedPath = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("expected.jsonl")
        let expected = Array(try Data(contentsOf: expectedPath))
        let out = JSONLinesOutput.inMemory()
        try Dumper(savepoint: try Savepoint.open(path), filter: DumpFilter()).run(into: out)
        try out.flush()
        let mismatch = DumpComparison.difference(actual: out.collected, expected: expected)
        #expect(mismatch == nil, "\(path): \(mismatch ?? "")")
        return lines(out.collected)
    }

    @Test(arguments: twoPoints)
    func twoPointsInTimeDifferByTheirDumps(_ old: String, _ new: String) throws {
        let expected = Self.expectedDifference(old: try Self.dumpOfFlink(old), new: try Self.dumpOfFlink(new))
        for rendered in [false, true] {
            let (report, lines) = try Self.diff(old, new, rendered: rendered)
            #expect(Self.counted(lines) == expected, "rendered \(rendered): \(lines.count) lines, \(expected.count) expected")
            #expect(!report.equal)
            let states = Dictionary(uniqueKeysWithValues: report.states.map { ($0.state, $0) })
            // The later batch overwrote, deleted and added keys: every kind of change is there.
            let count = try #require(states["count"])
            #expect(count.added == 10 && count.removed == 20 && count.changed == 20 && count.unchanged == 20, "\(count)")
            let total = report.states.reduce(0) { $0 + $1.added + $1.removed + $1.changed }
            #expect(total == lines.count)
        }
    }

    /// The same job with 60 keys at max parallelism 128 and 10 keys at 256: keys sit in other key
    /// groups, so the keyed state is joined by key through spill files, here in many partitions.
    @Test(arguments: [Int64(32 << 20), 4096])
    func anotherMaxParallelismIsComparedByKey(_ partitionBytes: Int64) throws {
        let old = Self.side("filesystem", "earlier")
        let new = Self.pairs.appendingPathComponent("basic-filesystem/max-parallelism-256/savepoint").path
        let expected = Self.expectedDifference(old: try Self.dump(old), new: try Self.dump(new))
        let spill = try Scratch.directory("diff-spill")
        defer { try? FileManager.default.removeItem(at: spill) }
        for rendered in [false, true] {
            let (report, lines) = try Self.diff(old, new, rendered: rendered) {
                $0.spillPartitionBytes = partitionBytes
                $0.spillDirectory = spill
            }
            #expect(report.comparedByKey == ["counter"])
            #expect(report.operatorChanges.contains { $0.field == "maxParallelism" && $0.old == "128" && $0.new == "256" })
            #expect(Self.counted(lines) == expected, "rendered \(rendered): \(lines.count) lines, \(expected.count) expected")
            let count = try #require(report.states.first { $0.state == "count" })
            #expect(count.removed == 50 && count.unchanged == 10 && count.added == 0 && count.changed == 0, "\(count)")
        }
        // Both ways round, and nothing left in the temporary folder.
        let (back, _) = try Self.diff(new, old) {
            $0.spillPartitionBytes = partitionBytes
            $0.spillDirectory = spill
        }
        #expect(back.states.first { $0.state == "count" }?.added == 50)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: spill.path)
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    /// Two runs of the types job: the same values, but TTL timestamps from another time. A changed
    /// TTL entry carries both timestamps; across Flink versions the same state is equal.
    @Test func ttlTimestampsAndFlinkVersions() throws {
        let types = Fixture.root.appendingPathComponent("2.3.0/types")
        let (report, lines) = try Self.diff(types.appendingPathComponent("memory/savepoint").path,
                                            types.appendingPathComponent("filesystem/savepoint").path)
        #expect(!report.equal && !lines.isEmpty)
        for case let .object(f) in lines {
            #expect(f["change"] == .string("changed") && f["before"] == f["value"], "\(f)")
            #expect(f["beforeTtlTimestamp"] != nil && f["beforeTtlTimestamp"] != f["ttlTimestamp"], "\(f)")
        }
        #expect(Set(report.states.filter(\.differs).map(\.state)) == ["ttlValue", "ttlMap"])
        let (versions, none) = try Self.diff(Fixture.root.appendingPathComponent("1.20.5/basic/rocksdb-native/savepoint").path,
                                             Fixture.root.appendingPathComponent("2.3.0/basic/filesystem/savepoint").path)
        #expect(versions.equal && none.isEmpty && versions.oldForm.hasSuffix("Flink 1.x") && versions.newForm.hasSuffix("Flink 2.x"))
    }

    @Test func selectorsNarrowTheComparison() throws {
        let (report, lines) = try Self.diff(Self.twoPoints[0].0, Self.twoPoints[0].1) {
            $0.operatorSelectors = ["counter"]
            $0.stateNames = ["buckets"]
        }
        #expect(report.states.map(\.state) == ["buckets"])
        #expect(!lines.isEmpty && lines.allSatisfy {
            if case let .object(f) = $0 { return f["state"] == .string("buckets") } else { return false }
        })
        #expect(throws: SavepointError.self) {
            _ = try Self.diff(Self.twoPoints[0].0, Self.twoPoints[0].1) { $0.stateNames = ["bucket"] }
        }
    }

    @Test func structureChangesAreReported() throws {
        let basic = Fixture.root.appendingPathComponent("2.3.0/basic")
        // Rescaled from 2 to 3: the same entries under another parallelism.
        let (rescaled, lines) = try Self.diff(basic.appendingPathComponent("rocksdb-native/savepoint").path,
                                              basic.appendingPathComponent("rocksdb-native-rescaled/savepoint").path)
        #expect(lines.isEmpty && !rescaled.equal)
        #expect(rescaled.operatorChanges.contains { $0.operator == "counter" && $0.field == "parallelism" && $0.old == "2" && $0.new == "3" })
        // RocksDB's heap timers are left out of a native savepoint: the timer states are missing there.
        let (timers, removed) = try Self.diff(basic.appendingPathComponent("rocksdb-heap-timers-canonical/savepoint").path,
                                              basic.appendingPathComponent("rocksdb-heap-timers-native/savepoint").path)
        #expect(timers.formChanged && timers.statesRemoved.map(\.state).contains("_timer_state/processing_user-timers"))
        #expect(removed.count == 300)
        // Different jobs: operators added and removed by id, named by uid.
        let (jobs, _) = try Self.diff(basic.appendingPathComponent("filesystem/savepoint").path,
                                      Fixture.root.appendingPathComponent("2.3.0/types/filesystem/savepoint").path)
        #expect(jobs.operatorsRemoved.map(\.uid) == ["counter"] && jobs.operatorsAdded.compactMap(\.uid).contains("types"))
    }
}
