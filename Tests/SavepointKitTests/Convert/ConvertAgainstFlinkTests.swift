import Foundation
import SavepointMetadata
import Testing
@testable import SavepointKit
import SavepointTestSupport

/// `savepoint convert` on every real-Flink fixture into every form the toolkit writes: the
/// output's dump equals what Flink restored from the fixture (`expected.jsonl`), its `_metadata`
/// reads back and re-serializes to the same bytes, and the input directory is untouched.
@Suite struct ConvertAgainstFlinkTests {
    static let fixtures = Fixture.all

    static var cases: [(Fixture, ConvertOptions.Target)] {
        fixtures.flatMap { f in ConvertOptions.Target.allCases.map { (f, $0) } }
    }

    @Test(arguments: cases)
    func outputDumpsAsFlinkRestoredIt(_ fixture: Fixture, _ target: ConvertOptions.Target) throws {
        let input = try #require(fixture.readablePath, "no savepoint in \(fixture)")
        let inputRoot = fixture.directory
        let before = try Scratch.digest(of: inputRoot)
        let dir = try Scratch.directory("matrix")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")

        let report = try Converter.run(input: input, output: out.path, options: ConvertOptions(target: target))
        #expect(report.verified)

        let expected = Array(try Data(contentsOf: URL(fileURLWithPath: fixture.expectedPath)))
        let diff = DumpComparison.difference(actual: try ConvertTestSupport.dump(out.path), expected: expected)
        #expect(diff == nil, "\(fixture) --to \(target): \(diff ?? "")")

        let bytes = Array(try Data(contentsOf: out.appendingPathComponent("_metadata")))
        let metadata = try CheckpointMetadata.read(from: bytes)
        #expect(try metadata.serialized() == bytes)
        #expect(SavepointForm(metadata) == Self.expectedForm(target, keyed: Self.hasKeyedState(metadata)))
        #expect(try Scratch.digest(of: inputRoot) == before, "\(fixture): the input changed")
        #expect(Scratch.leftovers(in: dir).isEmpty)
    }

    static func hasKeyedState(_ m: CheckpointMetadata) -> Bool {
        m.operatorStates.contains { $0.subtaskStates.contains { $0.state?.managedKeyedState != nil } }
    }

    /// Small filesystem outputs may inline everything, which reads as the memory form.
    static func expectedForm(_ target: ConvertOptions.Target, keyed: Bool) -> SavepointForm {
        switch target {
        case .memory: .memorySnapshot
        case .filesystem: .filesystem
        case .lsm: keyed ? .lsm : .filesystem
        }
    }

    /// A → B → A: converting there and back gives the dump of the original.
    @Test(arguments: fixtures.filter { $0.directory.path.contains("/2.3.0/") || $0.directory.path.contains("/1.20.5/") })
    func roundTripKeepsTheDump(_ fixture: Fixture) throws {
        let input = try #require(fixture.readablePath)
        let original = try ConvertTestSupport.dump(input)
        let home: ConvertOptions.Target = fixture.isLSM ? .lsm : (fixture.form == "memory" ? .memory : .filesystem)
        let dir = try Scratch.directory("roundtrip")
        defer { try? FileManager.default.removeItem(at: dir) }
        for via in ConvertOptions.Target.allCases where via != home {
            let mid = dir.appendingPathComponent("via-\(via)"), back = dir.appendingPathComponent("back-\(via)")
            _ = try Converter.run(input: input, output: mid.path, options: ConvertOptions(target: via))
            _ = try Converter.run(input: mid.path, output: back.path, options: ConvertOptions(target: home))
            let diff = DumpComparison.difference(actual: try ConvertTestSupport.dump(back.path), expected: original)
            #expect(diff == nil, "\(fixture) -> \(via) -> \(home): \(diff ?? "")")
        }
    }
}
