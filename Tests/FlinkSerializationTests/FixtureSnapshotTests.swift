import Bytes
import Foundation
import Testing
@testable import FlinkSerialization

/// Every top-level serializer snapshot found in the real-Flink fixtures (`fixtures/<version>/…`)
/// must parse, restore a serializer, and write back byte-identically.
///
/// Snapshots are found by their shape (i32 2, then a UTF class name starting with
/// `org.apache.flink.`), which is enough to reach the keyed and operator state headers of every
/// form without the metadata and state readers.
@Suite struct FixtureSnapshotTests {
    static let fixturesRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures").resolvingSymlinksInPath()

    static func fixtureFiles() -> [URL] {
        guard let walker = FileManager.default.enumerator(at: fixturesRoot, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey])
        else { return [] }
        var files = [URL]()
        for case let url as URL in walker {
            if url.pathComponents.contains("generator") || url.pathExtension == "jsonl" { continue }
            let values = try? url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey])
            let size = values?.fileSize ?? 0
            if values?.isRegularFile == true, size > 0, size < 64 << 20 { files.append(url) }
        }
        return files
    }

    static let prefix = Array("org.apache.flink.".utf8)

    /// Offsets where `00000002 | u16 length | "org.apache.flink.…Snapshot…"` starts (the name check
    /// skips a tuple snapshot's outer version 2 followed by its tuple class name).
    static func candidates(in bytes: [UInt8]) -> [Int] {
        var found = [Int]()
        var i = 0
        while i + 6 + prefix.count <= bytes.count {
            if bytes[i] == 0, bytes[i + 1] == 0, bytes[i + 2] == 0, bytes[i + 3] == 2,
               bytes[(i + 6)..<(i + 6 + prefix.count)].elementsEqual(prefix) {
                let length = Int(bytes[i + 4]) << 8 | Int(bytes[i + 5])
                let name = bytes[(i + 6)..<min(bytes.count, i + 6 + length)]
                if String(decoding: name, as: UTF8.self).contains("Snapshot") { found.append(i) }
            }
            i += 1
        }
        return found
    }

    @Test func everySnapshotInTheFixturesRoundTrips() throws {
        var parsed = 0
        for file in Self.fixtureFiles() {
            let bytes = try [UInt8](Data(contentsOf: file))
            for offset in Self.candidates(in: bytes) {
                var r = try ByteReader(bytes).slice(from: offset)
                do {
                    let snapshot = try SerializerSnapshot.readTopLevel(from: &r)
                    var w = ByteWriter()
                    try snapshot.writeTopLevel(to: &w)
                    #expect(w.bytes == Array(bytes[offset..<r.index]), "\(file.path) @\(offset)")
                    _ = snapshot.restoreSerializer()
                    #expect(!snapshot.typeDescription.isEmpty)
                    parsed += 1
                } catch let e as FormatError {
                    Issue.record("\(file.path): \(e)")
                }
            }
        }
        // Without fixtures there is nothing to check; with them, snapshots must have been found.
        print("fixture snapshots parsed: \(parsed) in \(Self.fixtureFiles().count) files under \(Self.fixturesRoot.path)")
        if !Self.fixtureFiles().isEmpty { #expect(parsed > 0) }
    }
}
