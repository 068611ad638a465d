import Foundation
import Testing
import SavepointTestSupport
@testable import SavepointKit

/// `dump` renders subtasks and states side by side (`OrderedChunkWriter`): its output must be
/// what rendering them in turn gives, byte for byte, up to an error too, with bounded queues.
@Suite struct DumpSideBySideTests {
    static func dump(_ path: String, jobs: Int) throws -> [UInt8] {
        let output = JSONLinesOutput.inMemory()
        var dumper = Dumper(savepoint: try Savepoint.open(path), filter: DumpFilter())
        dumper.jobs = jobs
        try dumper.run(into: output)
        try output.flush()
        return output.collected
    }

    @Test(arguments: Fixture.all.filter { $0.readablePath != nil })
    func everyFixtureDumpsTheSameSideBySide(_ fixture: Fixture) throws {
        let path = try #require(fixture.readablePath)
        let inTurn = try Self.dump(path, jobs: 1)
        #expect(!inTurn.isEmpty)
        for jobs in [2, 5] {
            #expect(try Self.dump(path, jobs: jobs) == inTurn, "\(fixture) with \(jobs) jobs")
        }
    }

    /// Piece `p` writes `lines` lines "p:i" of varying length; `failAt` throws after that many.
    static func pieces(_ count: Int, lines: Int, failing: Int? = nil, failAt: Int = 0) -> [OrderedChunkWriter.Piece] {
        (0..<count).map { p in
            { output in
                for i in 0..<lines {
                    if p == failing, i == failAt { throw PieceFailed(piece: p) }
                    try output.line { $0.append(contentsOf: Array("\(p):\(i)\(String(repeating: "x", count: (p * 7 + i) % 13))".utf8)) }
                }
            }
        }
    }

    struct PieceFailed: Error, Equatable { let piece: Int }

    static func inTurn(_ pieces: [OrderedChunkWriter.Piece], flushThreshold: Int) -> (JSONLinesOutput, (any Error)?) {
        let output = JSONLinesOutput(fileDescriptor: -1, flushThreshold: flushThreshold)
        do {
            for piece in pieces { try piece(output) }
        } catch {
            return (output, error)
        }
        return (output, nil)
    }

    @Test(arguments: [(1, 1), (2, 1), (3, 2), (8, 4)])
    func piecesComeOutInOrderThroughSmallQueues(width: Int, queueLimit: Int) throws {
        let pieces = Self.pieces(9, lines: 300)
        let (expected, _) = Self.inTurn(pieces, flushThreshold: 100)
        let output = JSONLinesOutput(fileDescriptor: -1, flushThreshold: 100)
        try OrderedChunkWriter.write(pieces, into: output, width: width, chunkSize: 64, queueLimit: queueLimit)
        // Flushed at the same lines: the same bytes are out before the final flush.
        #expect(output.collected == expected.collected)
        #expect(output.lineCount == 9 * 300)
        try output.flush()
        try expected.flush()
        #expect(output.collected == expected.collected)
    }

    @Test(arguments: [1, 3])
    func aFailingPieceLeavesWhatRenderingInTurnLeaves(width: Int) {
        let pieces = Self.pieces(6, lines: 200, failing: 2, failAt: 150)
        let (expected, error) = Self.inTurn(pieces, flushThreshold: 500)
        #expect(error as? PieceFailed == PieceFailed(piece: 2))
        let output = JSONLinesOutput(fileDescriptor: -1, flushThreshold: 500)
        #expect(throws: PieceFailed(piece: 2)) {
            try OrderedChunkWriter.write(pieces, into: output, width: width, chunkSize: 128, queueLimit: 2)
        }
        #expect(!expected.collected.isEmpty)
        #expect(output.collected == expected.collected)
    }
}
