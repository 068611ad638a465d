import Foundation
import SavepointKit

/// The savepoints real Apache Flink wrote, committed under `fixtures/<version>/<shape>/<form>/`.
public struct Fixture: CustomStringConvertible, Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }
    public var savepointPath: String { directory.appendingPathComponent("savepoint").path }
    public var checkpointPath: String { directory.appendingPathComponent("checkpoint").path }
    public var expectedPath: String { directory.appendingPathComponent("expected.jsonl").path }
    public var form: String { directory.lastPathComponent }
    public var description: String {
        directory.pathComponents.suffix(3).joined(separator: "/")
    }

    /// The savepoint directory, or for a retained checkpoint its newest `chk-N`.
    public var readablePath: String? {
        if FileManager.default.fileExists(atPath: savepointPath + "/_metadata") { return savepointPath }
        let jobs = (try? FileManager.default.contentsOfDirectory(atPath: checkpointPath)) ?? []
        for job in jobs {
            let jobDir = checkpointPath + "/" + job
            let chks = ((try? FileManager.default.contentsOfDirectory(atPath: jobDir)) ?? [])
                .filter { $0.hasPrefix("chk-") }.sorted { (Int($0.dropFirst(4)) ?? 0) < (Int($1.dropFirst(4)) ?? 0) }
            if let last = chks.last { return jobDir + "/" + last }
        }
        if let chk = jobs.filter({ $0.hasPrefix("chk-") }).sorted().last { return checkpointPath + "/" + chk }
        return nil
    }

    /// Forms whose keyed state is in the LSM (RocksDB / ForSt native) layout: `rocksdb-native`,
    /// `rocksdb-native-lz4`, `-zstd`, `-none`, `-rescaled`, `rocksdb-heap-timers-native`, `forst-native`,
    /// and the retained incremental checkpoints.
    public var isLSM: Bool {
        form.hasPrefix("rocksdb-native") || form.hasPrefix("forst")
            || (form.hasPrefix("rocksdb") && form.hasSuffix("native")) || form.contains("incremental")
    }

    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures")

    public static var all: [Fixture] {
        guard let versions = try? FileManager.default.contentsOfDirectory(atPath: root.path) else { return [] }
        var out: [Fixture] = []
        for v in versions.sorted() where v.first?.isNumber == true {
            let vDir = root.appendingPathComponent(v)
            for shape in ((try? FileManager.default.contentsOfDirectory(atPath: vDir.path)) ?? []).sorted() {
                let sDir = vDir.appendingPathComponent(shape)
                for form in ((try? FileManager.default.contentsOfDirectory(atPath: sDir.path)) ?? []).sorted() {
                    let dir = sDir.appendingPathComponent(form)
                    if FileManager.default.fileExists(atPath: dir.appendingPathComponent("expected.jsonl").path) {
                        out.append(Fixture(directory: dir))
                    }
                }
            }
        }
        return out
    }
}
