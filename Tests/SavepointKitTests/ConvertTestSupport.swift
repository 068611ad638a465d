import Bytes
import Foundation
@testable import SavepointKit

/// Shared helpers of the convert tests: temporary directories, dumps, directory digests.
enum ConvertTestSupport {
    static func tempDirectory(_ label: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sp-convert-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The dump of a savepoint as bytes (JSON Lines).
    static func dump(_ path: String) throws -> [UInt8] {
        let output = JSONLinesOutput.inMemory()
        try Dumper(savepoint: try Savepoint.open(path), filter: DumpFilter()).run(into: output)
        try output.flush()
        return output.collected
    }

    /// Every regular file under `root` by relative path, with a hash of its bytes and its
    /// modification date: what "the input is unchanged" means.
    static func digest(of root: URL) throws -> [String: String] {
        var out: [String: String] = [:]
        let fm = FileManager.default
        guard let e = fm.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey, .contentModificationDateKey]) else { return out }
        for case let url as URL in e {
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .contentModificationDateKey])
            guard values.isRegularFile == true else { continue }
            let bytes = Array(try Data(contentsOf: url))
            let rel = String(url.path.dropFirst(root.path.count))
            out[rel] = "\(bytes.count):\(XXHash.xxh64(bytes)):\(values.contentModificationDate?.timeIntervalSince1970 ?? 0)"
        }
        return out
    }

    /// Names in `dir` that look like a conversion's leftovers.
    static func leftovers(in dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter {
            $0.contains(".converting-") || $0.contains(".replaced-")
        }
    }
}
