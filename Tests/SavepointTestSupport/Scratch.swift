import Bytes
import Foundation

/// Temporary directories for tests that write savepoints, and what "unchanged" and "nothing left
/// behind" mean for them.
public enum Scratch {
    /// A fresh directory under the system's temporary folder; the caller removes it.
    public static func directory(_ label: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sp-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Every regular file under `root` by relative path, with a hash of its bytes and its
    /// modification date: what "the input is unchanged" means.
    public static func digest(of root: URL) throws -> [String: String] {
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

    /// Names in `dir` that look like a write's leftovers (temporary or replaced directories).
    public static func leftovers(in dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter {
            $0.contains(".converting-") || $0.contains(".rewriting-") || $0.contains(".replaced-")
        }
    }
}
