import Foundation
import SavepointKit
import SavepointTestSupport
import Testing

/// `report`'s accounting on every committed fixture (savepoints and every retained checkpoint):
/// the parts sum to the total, and the total is what is on disk.
@Suite struct SizeReportTests {
    /// Every `_metadata` under `fixtures/`, as the directory holding it.
    static let everyFixture: [String] = {
        let root = Fixture.root.path
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        return files.filter { $0.hasSuffix("/_metadata") && !$0.hasPrefix("malformed") }
            .map { root + "/" + String($0.dropLast("/_metadata".count)) }.sorted()
    }()

    @Test func everyFixtureIsFound() {
        #expect(Self.everyFixture.count >= 80)
    }

    @Test(arguments: everyFixture)
    func partsSumToTheFilesOnDisk(_ path: String) throws {
        let savepoint = try Savepoint.open(path)
        let report = try SizeReport(savepoint, top: 3)
        #expect(report.missingFiles.isEmpty)
        // The total is _metadata plus each distinct file inspect lists, as big as it is on disk.
        var onDisk: [String: Int64] = [:]
        for file in try InspectReport(savepoint).files {
            let size = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int64)
            onDisk[file.path] = size
        }
        let metadata = try #require(try FileManager.default.attributesOfItem(atPath: savepoint.metadataPath)[.size] as? Int64)
        #expect(report.metadataBytes == metadata)
        #expect(report.totalBytes == metadata + onDisk.values.reduce(0, +))
        #expect(report.totalBytes == report.metadataBytes + report.operators.reduce(0) { $0 + $1.bytes })
        for op in report.operators {
            #expect(op.bytes == op.coordinatorBytes + op.subtasks.reduce(0) { $0 + $1.bytes }, "\(op.operatorId)")
            for s in op.subtasks {
                #expect(s.bytes == s.keyedBytes + s.operatorBytes + s.channelBytes)
                if case .some = s.keyGroups, s.keyedBytes > 0, s.keyedFiles == nil {
                    #expect(s.keyGroupBytes != nil, "a canonical stream is split by key group: \(path) #\(s.index)")
                }
                if let kg = s.keyGroupBytes, let header = s.keyedHeaderBytes {
                    #expect(header + kg.reduce(0, +) == s.keyedBytes)
                    #expect(kg.count == (s.keyGroups.map { $0.end - $0.start + 1 } ?? -1))
                }
                if let files = s.keyedFiles {
                    #expect(files.filter { !$0.inMetadata }.reduce(0) { $0 + $1.bytes } == s.keyedBytes)
                    #expect(files.filter(\.inMetadata).reduce(0) { $0 + $1.bytes } <= report.metadataBytes)
                }
            }
            for state in op.states {
                #expect(state.bytes == state.keyBytes + state.valueBytes)
                #expect(state.keyGroupSkew.count == op.maxParallelism)
                #expect(state.keyGroupSkew.max <= state.bytes && state.subtaskSkew.max <= state.bytes)
                #expect(state.largest.count == min(3, Int(state.entries)))
                #expect(state.largest.map(\.bytes) == state.largest.map(\.bytes).sorted(by: >))
                #expect(state.largest.allSatisfy { $0.key != nil && $0.bytes == $0.keyBytes + $0.valueBytes })
            }
        }
    }

    /// Per state, the entries counted are the lines Flink's own dump of the fixture has, and the
    /// largest entry's key is one of the keys it dumped.
    @Test(arguments: Fixture.all.filter { $0.readablePath != nil })
    func entriesAreFlinksDump(_ fixture: Fixture) throws {
        var savepoint = try Savepoint.open(fixture.readablePath!)
        var lines: [String: Int64] = [:]
        var keys: [String: Set<String>] = [:]
        for line in try String(contentsOfFile: fixture.expectedPath, encoding: .utf8).split(separator: "\n") {
            guard case let .object(f)? = JSONValue.parse(Array(line.utf8)), case let .string(op)? = f["operator"],
                  case let .string(state)? = f["state"] else { continue }
            lines["\(op)/\(state)", default: 0] += 1
            if let key = f["key"] { keys["\(op)/\(state)", default: []].insert(String(decoding: try ReportJSON.line(RenderedJSON(key)), as: UTF8.self)) }
        }
        // Flink 1.x stores operator ids only: name them by the uids its dump uses.
        savepoint.name(uids: lines.keys.map { String($0.prefix { $0 != "/" }) })
        let report = try SizeReport(savepoint, top: 1)
        var checked = 0
        for op in report.operators {
            for state in op.states {
                let id = "\(op.uid ?? op.operatorId)/\(state.name)"
                #expect(state.entries == lines[id] ?? 0, "\(fixture) \(id)")
                if let top = state.largest.first?.key {
                    #expect(keys[id]?.contains(String(decoding: try ReportJSON.line(top), as: UTF8.self)) == true, "\(fixture) \(id)")
                }
                checked += 1
            }
        }
        #expect(checked > 0 || report.operators.allSatisfy { $0.states.isEmpty })
    }
}
