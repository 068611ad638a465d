import Foundation
@testable import SavepointKit
import SavepointMetadata
import SavepointTestSupport
import Testing

/// `--max-parallelism` through the rewrite pipeline, combined with other operations on the same
/// operator: a new uid, a dropped state, another form.
@Suite struct RekeyRewriteTests {
    func lines(_ path: String) throws -> [String] {
        String(decoding: try ConvertTestSupport.dump(path), as: UTF8.self).split(separator: "\n").map(String.init).sorted()
    }

    @Test(arguments: [("2.3.0/basic/filesystem", ConvertOptions.Target?.none), ("2.3.0/basic/hashmap-native", .lsm),
                      ("2.3.0/basic/rocksdb-native", .filesystem)])
    func withNewUidDroppedStateAndForm(_ name: String, _ target: ConvertOptions.Target?) throws {
        let fixture = try #require(Fixture.all.first { $0.description == name })
        let dir = try Scratch.directory("rekey-rewrite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let plan = RewritePlan(operations: [.setMaxParallelism(operator: nil, to: 300), .setUid(operator: "counter", uid: "c2"),
                                            .dropState(operator: "counter", state: "events")])
        var options = Rewriter.Options()
        options.target = target
        let report = try Rewriter(input: try Savepoint.open(fixture.savepointPath), plan: plan, options: options).write(to: out)
        #expect(report.verified)
        let written = try Savepoint.open(out.path)
        #expect(written.metadata.operatorStates.allSatisfy { $0.maxParallelism == 300 })
        let expected = try lines(fixture.savepointPath).filter { !$0.contains("\"state\":\"events\"") }
            .map { $0.replacingOccurrences(of: "{\"operator\":\"counter\"", with: "{\"operator\":\"c2\"") }.sorted()
        #expect(!expected.isEmpty)
        #expect(try lines(out.path) == expected)
        let validation = Validator(savepoint: written, options: .init(deep: true)).run()
        #expect(validation.valid && validation.checked.keysHashChecked > 0, "\(validation.findings.prefix(3))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out"])
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(".rekey-spill").path))
    }
}
