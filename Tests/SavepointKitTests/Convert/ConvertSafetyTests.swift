import Foundation
import SavepointMetadata
import Testing
@testable import SavepointKit
import SavepointTestSupport

/// The safety rules of `savepoint convert`: an existing OUT is refused without --force, a failed
/// verification leaves no output, same-form conversion re-encodes, options take effect.
@Suite struct ConvertSafetyTests {
    static let sample = Fixture.all.first { $0.form == "filesystem" && $0.directory.path.contains("/2.3.0/basic/") }

    @Test func existingOutputIsRefusedWithoutForce() throws {
        let fixture = try #require(Self.sample)
        let dir = try Scratch.directory("exists")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: false)
        try Data("keep me".utf8).write(to: out.appendingPathComponent("note"))

        #expect(throws: ConvertError.self) {
            try Converter.run(input: fixture.savepointPath, output: out.path, options: ConvertOptions(target: .memory))
        }
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("note").path))

        // --force never deletes what is not a savepoint: a user's notes stay.
        var forced = ConvertOptions(target: .memory)
        forced.force = true
        #expect(throws: ConvertError.self) {
            try Converter.run(input: fixture.savepointPath, output: out.path, options: forced)
        }
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("note").path))
        let file = dir.appendingPathComponent("file")
        try Data("a file".utf8).write(to: file)
        #expect(throws: ConvertError.self) {
            try Converter.run(input: fixture.savepointPath, output: file.path, options: forced)
        }
        #expect(FileManager.default.fileExists(atPath: file.path))

        // An empty directory, then the savepoint now in it, are replaced.
        try FileManager.default.removeItem(at: out.appendingPathComponent("note"))
        _ = try Converter.run(input: fixture.savepointPath, output: out.path, options: forced)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("_metadata").path))
        forced.target = .filesystem
        _ = try Converter.run(input: fixture.savepointPath, output: out.path, options: forced)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).count > 1)
        #expect(Scratch.leftovers(in: dir).isEmpty)
    }

    @Test func outputInsideTheInputIsRefused() throws {
        let fixture = try #require(Self.sample)
        #expect(throws: ConvertError.self) {
            try Converter.run(input: fixture.savepointPath, output: fixture.savepointPath + "/converted",
                              options: ConvertOptions(target: .memory))
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.savepointPath + "/converted"))
    }

    /// A fault injected between writing and verification (the keyed state of two subtasks swapped,
    /// so every entry is still readable but in the wrong subtask) fails verification and removes
    /// the output.
    @Test(arguments: ConvertOptions.Target.allCases)
    func verificationMismatchRemovesTheOutput(_ target: ConvertOptions.Target) throws {
        let fixture = try #require(Self.sample)
        let dir = try Scratch.directory("fault")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        var options = ConvertOptions(target: target)
        options.beforeVerification = { written in try Self.swapKeyedStateOfFirstTwoSubtasks(in: written) }

        do {
            _ = try Converter.run(input: fixture.savepointPath, output: out.path, options: options)
            Issue.record("a corrupted output passed verification")
        } catch let ConvertError.verificationFailed(message) {
            #expect(message.contains("entries") || message.contains("bytes"), "\(message)")
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(Scratch.leftovers(in: dir).isEmpty)
    }

    static func swapKeyedStateOfFirstTwoSubtasks(in dir: URL) throws {
        let url = dir.appendingPathComponent("_metadata")
        var m = try CheckpointMetadata.read(from: Array(try Data(contentsOf: url)))
        guard let i = m.operatorStates.firstIndex(where: { $0.subtaskStates.count >= 2 && $0.subtaskStates[0].state?.managedKeyedState != nil })
        else { throw ConvertError.verificationFailed("test setup: no keyed operator with two subtasks") }
        var subtasks = m.operatorStates[i].subtaskStates
        var a = subtasks[0].state, b = subtasks[1].state
        let first = a?.managedKeyedState
        a?.managedKeyedState = b?.managedKeyedState
        b?.managedKeyedState = first
        subtasks[0].state = a
        subtasks[1].state = b
        m.operatorStates[i].subtaskStates = subtasks
        try Data(try m.serialized()).write(to: url)
    }

    @Test func sameFormConversionReencodesWithCompression() throws {
        let fixture = try #require(Self.sample)
        let dir = try Scratch.directory("reencode")
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = ConvertOptions(target: .filesystem)
        options.snapshotCompression = true
        options.inlineThreshold = 0
        let out = dir.appendingPathComponent("compressed")
        _ = try Converter.run(input: fixture.savepointPath, output: out.path, options: options)
        let savepoint = try Savepoint.open(out.path)
        var keyed = 0
        for op in savepoint.metadata.operatorStates {
            for case let handle? in op.subtaskStates.map({ $0.state?.managedKeyedState }) {
                let stream = try savepoint.openKeyedStream(handle, of: op)
                #expect(stream.proxy.usingKeyGroupCompression)
                guard case let .keyGroups(h) = handle, case .relativeFile = h.delegate else {
                    Issue.record("expected a tag-7 handle to a file with --inline-threshold 0"); continue
                }
                #expect(h.kind == .savepoint)
                keyed += 1
            }
        }
        #expect(keyed > 0)
        let expected = Array(try Data(contentsOf: URL(fileURLWithPath: fixture.expectedPath)))
        #expect(DumpComparison.difference(actual: try ConvertTestSupport.dump(out.path), expected: expected) == nil)
    }

    /// The savepoint format type in the properties trailer follows the written form.
    @Test func trailerNamesTheFormatType() throws {
        let fixture = try #require(Self.sample)
        let dir = try Scratch.directory("trailer")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (target, word, other) in [(ConvertOptions.Target.lsm, "NATIVE", "CANONICAL"), (.memory, "CANONICAL", "NATIVE")] {
            let out = dir.appendingPathComponent(target.rawValue)
            _ = try Converter.run(input: fixture.savepointPath, output: out.path, options: ConvertOptions(target: target))
            let trailer = try #require(try Savepoint.open(out.path).metadata.checkpointProperties)
            #expect(SavepointFormatType.find(Array(word.utf8), in: trailer) != nil)
            #expect(SavepointFormatType.find(Array(other.utf8), in: trailer) == nil)
        }
    }
}
