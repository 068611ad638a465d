import Foundation
import SavepointTestSupport
import Testing

/// `savepoint diff` as a user runs it: exit 0 equal, 1 different, 2 unreadable or usage.
@Suite struct DiffCommandLineTests {
    static let basic = Fixture.root.appendingPathComponent("2.3.0/basic")
    static let pairs = Fixture.root.appendingPathComponent("2.3.0/diff")
    static func path(_ base: URL, _ relative: String) -> String { base.appendingPathComponent(relative).path }
    static let earlier = path(pairs, "basic-rocksdb-native/earlier/savepoint")
    static let later = path(pairs, "basic-filesystem/later/savepoint")

    static func lines(_ out: String) -> [[String: Any]] {
        out.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func theSameStateInAnotherFormExitsZeroWithoutLines() throws {
        let native = Self.path(Self.basic, "rocksdb-native/savepoint"), canonical = Self.path(Self.basic, "filesystem/savepoint")
        let entries = try SavepointBinary.run(["diff", native, canonical, "--entries"])
        #expect(entries.status == 0 && entries.out.isEmpty && entries.err.isEmpty, "\(entries)")
        let text = try SavepointBinary.run(["diff", native, canonical], environment: ["COLUMNS": "80"])
        #expect(text.status == 0 && text.out.contains("form changed") && text.out.hasSuffix("equal\n"), "\(text.out)")
        #expect(text.out.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(text.out)")
    }

    @Test func twoPointsInTimeExitOneWithEveryChange() throws {
        let r = try SavepointBinary.run(["diff", Self.earlier, Self.later, "--entries"])
        #expect(r.status == 1, "\(r.err)")
        let lines = Self.lines(r.out)
        let changes = Set(lines.compactMap { $0["change"] as? String })
        #expect(changes == ["added", "removed", "changed"])
        #expect(lines.filter { $0["change"] as? String == "changed" }.allSatisfy { $0["before"] != nil && $0["value"] != nil })

        let json = try SavepointBinary.run(["diff", Self.earlier, Self.later, "--json"])
        #expect(json.status == 1)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect(doc["equal"] as? Bool == false && doc["formChanged"] as? Bool == true)
        let states = try #require(doc["states"] as? [[String: Any]])
        let differing = states.reduce(0) { sum, state in
            sum + ["added", "removed", "changed"].reduce(0) { n, k in n + ((state[k] as? Int) ?? 0) }
        }
        #expect(differing == lines.count)

        let one = try SavepointBinary.run(["diff", Self.earlier, Self.later, "--entries", "--operator", "counter", "--state", "count"])
        #expect(one.status == 1 && Self.lines(one.out).allSatisfy { $0["state"] as? String == "count" })
        #expect(Self.lines(one.out).count == 50, "\(Self.lines(one.out).count)")
    }

    @Test func anotherMaxParallelismIsSaidAndComparedByKey() throws {
        let other = Self.path(Self.pairs, "basic-filesystem/max-parallelism-256/savepoint")
        let r = try SavepointBinary.run(["diff", Self.later, other], environment: ["COLUMNS": "80"])
        #expect(r.status == 1 && r.out.contains("counter: maxParallelism 128 -> 256")
            && r.out.contains("counter: max parallelism changed: keyed state compared by key"), "\(r)")
    }

    @Test func whatCannotBeComparedExitsTwo() throws {
        #expect(try SavepointBinary.run(["diff", Self.earlier, Self.later, "--entries", "--json"]).status == 2)
        #expect(try SavepointBinary.run(["diff", Self.earlier]).status == 2)
        let missing = try SavepointBinary.run(["diff", Self.earlier, "/nonexistent/savepoint"])
        #expect(missing.status == 2 && missing.err.contains("/nonexistent/savepoint"), "\(missing.err)")
        let typo = try SavepointBinary.run(["diff", Self.earlier, Self.later, "--state", "cont"])
        #expect(typo.status == 2 && typo.err.contains("count"), "\(typo.err)")
    }

    @Test func helpFitsEightyColumns() throws {
        let r = try SavepointBinary.run(["diff", "--help"], environment: ["COLUMNS": "80"])
        #expect(r.status == 0 && r.out.contains("Examples:"))
        let wide = r.out.split(separator: "\n").filter { $0.count > 80 }
        #expect(wide.isEmpty, "\(wide)")
    }
}
