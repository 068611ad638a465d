import Foundation
import SavepointTestSupport
import Testing

/// `savepoint validate` as a user runs it: text and JSON reports, and the exit codes.
@Suite struct ValidateCommandLineTests {
    static let sample = Fixture.all.first { $0.form == "filesystem" && $0.directory.path.contains("2.3.0/basic") }

    @Test func exitCodesAndReports() throws {
        let fixture = try #require(Self.sample)
        let clean = try SavepointBinary.run(["validate", fixture.savepointPath, "--deep"])
        #expect(clean.status == 0 && clean.out.contains("valid"), "\(clean)")
        let json = try SavepointBinary.run(["validate", fixture.savepointPath, "--json"])
        let doc = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        #expect(json.status == 0 && doc?["valid"] as? Bool == true && doc?["deep"] as? Bool == false)
        #expect((doc?["findings"] as? [Any])?.isEmpty == true && doc?["checked"] is [String: Any])

        // The largest file beside _metadata is a keyed state stream; without it the savepoint is broken.
        let dir = try Scratch.directory("validate-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("savepoint")
        try FileManager.default.copyItem(atPath: fixture.savepointPath, toPath: copy.path)
        let files = try FileManager.default.contentsOfDirectory(atPath: copy.path).filter { $0 != "_metadata" }
        let sizes = try files.map { ($0, try FileManager.default.attributesOfItem(atPath: copy.appendingPathComponent($0).path)[.size] as? Int ?? 0) }
        let largest = try #require(sizes.max { $0.1 < $1.1 }?.0)
        try FileManager.default.removeItem(at: copy.appendingPathComponent(largest))

        let damaged = try SavepointBinary.run(["validate", copy.path])
        #expect(damaged.status == 1, "\(damaged)")
        #expect(damaged.out.contains("missing-file") && damaged.out.contains("1 errors, 0 warnings"), "\(damaged.out)")
        let damagedJSON = try SavepointBinary.run(["validate", copy.path, "--json"])
        let findings = (try JSONSerialization.jsonObject(with: Data(damagedJSON.out.utf8)) as? [String: Any])?["findings"]
        #expect(damagedJSON.status == 1)
        #expect((findings as? [[String: Any]])?.first?["code"] as? String == "missing-file")
        #expect(try SavepointBinary.run(["validate", "/nonexistent/savepoint"]).status == 2)
        #expect(try SavepointBinary.run(["validate"]).status == 2)
    }
}
