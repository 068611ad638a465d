import Foundation
@testable import LSMFormat

/// Debian's `ldb` and `sst_dump` (rocksdb-tools), used at test time as independent oracles:
/// `ldb` writes real SSTs and MANIFESTs, `sst_dump --command=scan --output_hex` lists entries.
/// Tests that need them are skipped when they are not on PATH.
enum RocksDBTools {
    static let ldb = which("ldb")
    static let sstDump = which("sst_dump")
    static var available: Bool { ldb != nil && sstDump != nil }

    static func which(_ name: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        return paths.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let inputPipe = Pipe()
        if input != nil { process.standardInput = inputPipe }
        try process.run()
        if let input {
            inputPipe.fileHandleForWriting.write(Data(input.utf8))
            try inputPipe.fileHandleForWriting.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// `sst_dump --command=scan --output_hex` lines `'KEY' seq:N, type:T => VALUE`.
    static func scan(_ path: String) throws -> [String] {
        try run(sstDump!, ["--file=\(path)", "--command=scan", "--output_hex"])
            .split(separator: "\n").map(String.init).filter { $0.hasPrefix("'") }
    }

    /// Our entry in sst_dump's notation.
    static func line(_ e: TableEntry) -> String {
        "\(e.key) => \(Array(e.value).hexString.uppercased())"
    }

    static func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "lsmformat-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Builds a DB with `ldb load` of `keys` entries, then (optionally) edits its OPTIONS file and
    /// compacts, so the final SST is written with those table options. Returns the DB directory.
    static func makeDB(
        in dir: String, name: String, compression: String = "no", keys: Int = 2000,
        optionEdits: [(String, String)] = []
    ) throws -> String {
        let db = "\(dir)/\(name)"
        var lines = ""
        for i in 0..<keys {
            lines += "key\(String(format: "%05d", i * 7 % keys)) ==> value-\(i)-\(String(repeating: "x", count: i % 37))\n"
        }
        try run(ldb!, ["--db=\(db)", "--create_if_missing", "--compression_type=\(compression)", "load"], input: lines)
        if !optionEdits.isEmpty {
            for file in try FileManager.default.contentsOfDirectory(atPath: db) where file.hasPrefix("OPTIONS-") {
                var text = try String(contentsOfFile: "\(db)/\(file)", encoding: .utf8)
                for (from, to) in optionEdits { text = text.replacingOccurrences(of: from, with: to) }
                try text.write(toFile: "\(db)/\(file)", atomically: true, encoding: .utf8)
            }
        }
        try run(ldb!, ["--db=\(db)", "--compression_type=\(compression)", "compact"])
        return db
    }

    static func ssts(in dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".sst") }.sorted()
            .map { "\(dir)/\($0)" }
    }
}

extension Array where Element == UInt8 {
    init(hex: String) {
        var out = [UInt8]()
        var chars = hex.utf8.makeIterator()
        while let a = chars.next(), let b = chars.next() {
            out.append(UInt8(String(decoding: [a, b], as: UTF8.self), radix: 16) ?? 0)
        }
        self = out
    }
}
