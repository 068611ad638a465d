import Bytes
import CanonicalFormat
import Foundation
import LSMFormat
import SavepointKit
import SavepointMetadata
import Testing
import SavepointTestSupport

/// `LSMKeyedStateWriter` on the keyed state of canonical fixtures: the written RocksDB instance
/// reads back (through our own MANIFEST and table readers) to exactly the input entries, in every
/// supported compression and for both FRocksDB releases, split into several tables or not; and
/// RocksDB's own `sst_dump` and `ldb` accept it when installed.
@Suite struct LSMConvertWriterTests {
    static let canonical = Fixture.all.filter {
        ["rocksdb-canonical", "rocksdb-heap-timers-canonical", "filesystem", "filesystem-compressed", "memory"].contains($0.form)
    }

    struct Variant: CustomStringConvertible {
        var options: LSMWriteOptions
        var inlineThreshold: Int
        var description: String {
            "\(options.release) \(options.compression) target=\(options.targetFileSize) level=\(options.level) inline<\(inlineThreshold)"
        }
    }

    static let variants: [Variant] = {
        var a = LSMWriteOptions(compression: .snappy, release: .frocksdb8_10, checkpointId: 7)
        var b = LSMWriteOptions(compression: .none, release: .frocksdb6_20, checkpointId: 8)
        b.targetFileSize = 2048  // several tables per family
        b.blockSize = 1024
        var c = LSMWriteOptions(compression: .lz4, release: .frocksdb8_10, checkpointId: 9)
        c.level = 0
        c.writesOptionsFile = false
        let d = LSMWriteOptions(compression: .zstd, release: .frocksdb6_20, checkpointId: 10)
        return [
            Variant(options: a, inlineThreshold: StreamPlacement.flinkDefaultInlineThreshold),
            Variant(options: b, inlineThreshold: 1),
            Variant(options: c, inlineThreshold: Int.max),
            Variant(options: d, inlineThreshold: 4096),
        ]
    }()

    @Test func canonicalFixturesArePresent() {
        #expect(!Self.canonical.isEmpty, "no canonical fixtures under \(Fixture.root.path)")
    }

    @Test(arguments: canonical)
    func writtenInstanceReadsBackToTheInput(_ fixture: Fixture) throws {
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        var written = 0
        for (op, keyed) in LSMConvertSupport.keyedHandles(savepoint) {
            guard case let .keyGroups(h) = keyed else { continue }
            let stream = try savepoint.openKeyedStream(keyed, of: op)
            guard stream.layout == .canonical else { continue }
            let reader = CanonicalStreamTestReader(stream: stream, keyGroupRange: h.keyGroupRange)
            let input = try LSMConvertSupport.collect(reader).entries
            for variant in Self.variants {
                let dir = try LSMConvertSupport.temporaryDirectory("writer")
                defer { try? FileManager.default.removeItem(at: dir) }
                let placement = StreamPlacement(directory: dir, finalDirectory: dir, inlineThreshold: variant.inlineThreshold)
                let handle = try LSMKeyedStateWriter.write(reader, options: variant.options, placement: placement)
                try check(handle, of: reader, input: input, in: dir, variant: variant, label: "\(fixture) \(op.displayName) \(variant)")
                written += 1
            }
        }
        #expect(written > 0, "\(fixture): no canonical keyed stream to write")
    }

    func check(_ handle: IncrementalRemoteKeyedStateHandle, of reader: CanonicalStreamTestReader, input: [RawKeyedEntry],
               in dir: URL, variant: Variant, label: String) throws {
        #expect(handle.kind == .v2 && handle.sharedState.isEmpty && handle.checkpointId == variant.options.checkpointId)
        #expect(handle.keyGroupRange == reader.keyGroupRange)
        #expect(UUID(uuidString: handle.backendIdentifier) != nil && UUID(uuidString: handle.stateHandleId ?? "") != nil)
        let (state, files) = try LSMConvertSupport.open(handle, in: dir, maxParallelism: reader.maxParallelism)
        // Flink's local names; every file the MANIFEST lists is there, and nothing else.
        let names = Set(handle.privateState.map(\.localPath))
        #expect(names.contains("CURRENT") && names.contains { $0.hasPrefix("MANIFEST-") })
        #expect(names.contains { $0.hasPrefix("OPTIONS-") } == variant.options.writesOptionsFile)
        let tables = state.columnFamilies.flatMap { $0.files.map(\.file.fileName) }
        #expect(Set(tables) == names.filter { $0.hasSuffix(".sst") }, "\(label)")
        let metaSize = try LSMConvertSupport.bytes(of: handle.metaDataState, in: dir).count
        #expect(handle.checkpointedSize == Int64(metaSize + files.values.reduce(0) { $0 + $1.count }))
        // default + one family per state, ids from 1 in the proxy's order, each at the chosen level.
        #expect(state.columnFamilies.map(\.name) == ["default"] + reader.proxy.states.map(\.name), "\(label)")
        #expect(state.columnFamilies.map(\.id) == (0...UInt32(reader.proxy.states.count)).map { $0 })
        #expect(state.columnFamilies.allSatisfy { $0.files.allSatisfy { $0.level == variant.options.level } })
        // A state of several times the target size must have been split into several tables.
        for (index, name) in reader.proxy.states.map(\.name).enumerated() {
            let bytes = input.filter { $0.stateIndex == index }.reduce(UInt64(0)) { $0 + UInt64($1.key.count + $1.value.count) }
            guard bytes > 4 * (variant.options.targetFileSize + UInt64(variant.options.blockSize)) else { continue }
            #expect((state.columnFamilies.first { $0.name == name }?.files.count ?? 0) > 1, "\(label): \(name) not split")
        }
        // Same entries, same order; and decodable by the states' serializers.
        let back = try LSMConvertSupport.collect(
            LSMRawKeyedStateReader(state: state, keyGroupRange: handle.keyGroupRange, maxParallelism: reader.maxParallelism))
        #expect(back.problems.isEmpty, "\(label): \(back.problems.prefix(3))")
        #expect(back.entries == input, "\(label): \(back.entries.count) entries read back, \(input.count) written")
        #expect(try LSMConvertSupport.decodedAndReencoded(state) == LSMConvertSupport.sorted(input), "\(label)")
        if RocksDBCLI.available, variant.options.targetFileSize > 1 << 20 { try checkWithRocksDBTools(files, state: state, label: label) }
    }

    /// `sst_dump --command=check` and `--command=scan` on every table, `ldb list_column_families`
    /// on the directory (files under their local names, as Flink downloads them).
    func checkWithRocksDBTools(_ files: [String: [UInt8]], state: FlinkRocksDBState, label: String) throws {
        let db = try LSMConvertSupport.temporaryDirectory("db")
        defer { try? FileManager.default.removeItem(at: db) }
        for (name, bytes) in files { try Data(bytes).write(to: db.appendingPathComponent(name)) }
        for cf in state.columnFamilies {
            for (table, entry) in zip(cf.tables, cf.files) {
                let path = db.appendingPathComponent(entry.file.fileName).path
                let check = try RocksDBCLI.run(RocksDBCLI.sstDump!, ["--file=\(path)", "--command=check"])
                #expect(check.status == 0 && !check.output.contains("Corruption"), "\(label) \(entry.file.fileName): \(check.output)")
                let scan = try RocksDBCLI.run(RocksDBCLI.sstDump!, ["--file=\(path)", "--command=scan", "--output_hex"])
                let lines = scan.output.split(separator: "\n").filter { $0.hasPrefix("'") }
                #expect(scan.status == 0 && UInt64(lines.count) == table.properties.entryCount, "\(label) \(entry.file.fileName)")
            }
        }
        let list = try RocksDBCLI.run(RocksDBCLI.ldb!, ["--db=\(db.path)", "list_column_families"])
        #expect(list.status == 0, "\(label): \(list.output)")
        for cf in state.columnFamilies {
            #expect(list.output.contains(cf.name), "\(label): ldb does not list \(cf.name): \(list.output)")
        }
    }

    /// Input a RocksDB instance cannot hold is refused with a `FormatError`, and no file is left.
    @Test func keysOutsideTheirKeyGroupAreRefused() throws {
        let fixture = try #require(Self.canonical.first)
        let savepoint = try Savepoint.open(try #require(fixture.readablePath))
        let (op, keyed) = try #require(LSMConvertSupport.keyedHandles(savepoint).first)
        guard case let .keyGroups(h) = keyed else { return }
        let good = CanonicalStreamTestReader(stream: try savepoint.openKeyedStream(keyed, of: op), keyGroupRange: h.keyGroupRange)
        for bad in [BadReader.Fault.wrongPrefix, .duplicateKey, .unknownState, .outsideRange] {
            let dir = try LSMConvertSupport.temporaryDirectory("bad")
            defer { try? FileManager.default.removeItem(at: dir) }
            let placement = StreamPlacement(directory: dir, finalDirectory: dir, inlineThreshold: 1)
            #expect(throws: FormatError.self, "\(bad)") {
                try LSMKeyedStateWriter.write(BadReader(base: good, fault: bad), options: LSMWriteOptions(), placement: placement)
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "\(bad) left files")
        }
    }
}

/// Wraps a good reader and breaks its second non-empty key group.
struct BadReader: RawKeyedStateReader {
    enum Fault { case wrongPrefix, duplicateKey, unknownState, outsideRange }
    let base: CanonicalStreamTestReader
    let fault: Fault
    var proxy: KeyedBackendSerializationProxy { base.proxy }
    var keyGroupRange: KeyGroupRange { base.keyGroupRange }
    var maxParallelism: Int { base.maxParallelism }

    func forEachKeyGroup(_ body: (RawKeyGroup) throws -> Void) throws {
        var seen = 0
        try base.forEachKeyGroup { group in
            let keyGroup = group.keyGroup, entries = group.rawEntries
            seen += 1
            guard seen == 2 else { return try body(group) }
            var broken = entries
            switch fault {
            case .wrongPrefix: broken[0].key[0] ^= 0x01
            case .duplicateKey: broken.insert(broken[0], at: 1)
            case .unknownState: broken[0].stateIndex = proxy.states.count
            case .outsideRange: return try body(RawKeyGroup(keyGroupRange.endKeyGroup + 1, entries))
            }
            try body(RawKeyGroup(keyGroup, broken))
        }
    }
}

/// RocksDB's command-line tools (Debian `rocksdb-tools`), when installed, as independent judges.
enum RocksDBCLI {
    static let ldb = which("ldb")
    static let sstDump = which("sst_dump")
    static var available: Bool { ldb != nil && sstDump != nil }

    static func which(_ name: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        return paths.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
