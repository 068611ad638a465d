import Foundation
import SavepointKit
import Testing
import SavepointTestSupport

/// `savepoint dump` must list exactly what real Flink restored from each fixture (its oracle's
/// `expected.jsonl`), for every form the toolkit reads.
@Suite struct DumpAgainstFlinkTests {
    static let readable = Fixture.all

    @Test func fixturesArePresent() {
        #expect(Self.readable.count >= 5, "expected committed real-Flink fixtures under \(Fixture.root.path)")
    }

    @Test(arguments: readable)
    func dumpEqualsFlinkOracle(_ fixture: Fixture) throws {
        let path = try #require(fixture.readablePath, "no savepoint or checkpoint in \(fixture)")
        let savepoint = try Savepoint.open(path)
        let output = JSONLinesOutput.inMemory()
        try Dumper(savepoint: savepoint, filter: DumpFilter()).run(into: output)
        try output.flush()
        let expected = Array(try Data(contentsOf: URL(fileURLWithPath: fixture.expectedPath)))
        let diff = DumpComparison.difference(actual: output.collected, expected: expected)
        #expect(diff == nil, "\(fixture): \(diff ?? "")")
    }

    @Test(arguments: readable.prefix(1))
    func filtersSelectOperatorStateKeyAndLimit(_ fixture: Fixture) throws {
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        let all = JSONLinesOutput.inMemory()
        try Dumper(savepoint: savepoint, filter: DumpFilter()).run(into: all)
        try all.flush()
        let lines = all.collected.split(separator: 0x0A).compactMap { JSONValue.parse(Array($0)) }
        guard case let .object(first)? = lines.first(where: {
            if case let .object(f) = $0, f["key"] != nil { return true } else { return false }
        }), case let .string(op)? = first["operator"], case let .string(state)? = first["state"], let key = first["key"]
        else { Issue.record("no keyed line in \(fixture)"); return }

        var filter = DumpFilter()
        filter.operatorSelectors = [op]
        filter.stateNames = [state]
        filter.keyJSON = key
        let some = JSONLinesOutput.inMemory()
        try Dumper(savepoint: savepoint, filter: filter).run(into: some)
        try some.flush()
        let selected = some.collected.split(separator: 0x0A).compactMap { JSONValue.parse(Array($0)) }
        let expected = lines.filter {
            guard case let .object(f) = $0 else { return false }
            return f["operator"] == .string(op) && f["state"] == .string(state) && f["key"] == key
        }
        #expect(!selected.isEmpty)
        #expect(selected.count == expected.count)

        var limited = DumpFilter()
        limited.limit = 3
        let three = JSONLinesOutput.inMemory()
        try Dumper(savepoint: savepoint, filter: limited).run(into: three)
        try three.flush()
        #expect(three.lineCount == 3)
    }
}
