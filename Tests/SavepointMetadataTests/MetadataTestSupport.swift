import Bytes
import Foundation
@testable import SavepointMetadata

/// Hand-encoding of `_metadata` pieces straight from the layout Flink's `MetadataV2V3SerializerBase`
/// and `MetadataV3Serializer` … `MetadataV6Serializer` write,
/// independent of the module's writer, so tests check the reader against the format itself.
struct Encoder {
    var w = ByteWriter()
    var bytes: [UInt8] { w.bytes }

    mutating func i8(_ v: UInt8) { w.writeU8(v) }
    mutating func i32(_ v: Int32) { w.writeI32(v) }
    mutating func i64(_ v: Int64) { w.writeI64(v) }
    mutating func utf(_ s: String) { try! w.writeModifiedUTF8(s) }
    mutating func raw(_ b: [UInt8]) { w.writeBytes(b) }

    mutating func header(version: Int32, checkpointId: Int64 = 1) {
        w.writeU32(0x4960_672D); i32(version); i64(checkpointId)
    }

    /// V5+ operator record start: name, uid, id, parallelism, max parallelism.
    mutating func operatorHead(name: String?, uid: String?, id: [UInt8], parallelism: Int32, maxParallelism: Int32, version: Int32) {
        if version >= 5 { utf(name ?? ""); utf(uid ?? "") }
        raw(id); i32(parallelism); i32(maxParallelism)
    }

    /// Tag 6.
    mutating func relativeFile(_ name: String, size: Int64) { i8(6); utf(name); i64(size) }
    /// Tag 1.
    mutating func byteStream(_ name: String, _ data: [UInt8]) { i8(1); utf(name); i32(Int32(data.count)); raw(data) }
    /// Tag 2: size before path.
    mutating func file(_ path: String, size: Int64) { i8(2); i64(size); utf(path) }
}

/// The 745-byte Java-serialized `CheckpointProperties` (Flink's `CheckpointProperties.java`) of a
/// canonical savepoint, as Flink 2.3.0 wrote it into `fixtures/2.3.0/basic/filesystem/savepoint/_metadata`.
let canonicalSavepointProperties: [UInt8] = {
    let base64 = """
    rO0ABXNyADhvcmcuYXBhY2hlLmZsaW5rLnJ1bnRpbWUuY2hlY2twb2ludC5DaGVja3BvaW50UHJvcGVydGllcwAAAAAAAAACAgAI\
    WgAQZGlzY2FyZENhbmNlbGxlZFoADWRpc2NhcmRGYWlsZWRaAA9kaXNjYXJkRmluaXNoZWRaAA9kaXNjYXJkU3Vic3VtZWRaABBk\
    aXNjYXJkU3VzcGVuZGVkWgAGZm9yY2VkWgAJdW5jbGFpbWVkTAAOY2hlY2twb2ludFR5cGV0ADJMb3JnL2FwYWNoZS9mbGluay9y\
    dW50aW1lL2NoZWNrcG9pbnQvU25hcHNob3RUeXBlO3hwAAAAAAABAHNyADFvcmcuYXBhY2hlLmZsaW5rLnJ1bnRpbWUuY2hlY2tw\
    b2ludC5TYXZlcG9pbnRUeXBloIfTCKRYFLgCAANMAApmb3JtYXRUeXBldAA1TG9yZy9hcGFjaGUvZmxpbmsvY29yZS9leGVjdXRp\
    b24vU2F2ZXBvaW50Rm9ybWF0VHlwZTtMAARuYW1ldAASTGphdmEvbGFuZy9TdHJpbmc7TAAUcG9zdENoZWNrcG9pbnRBY3Rpb250\
    AEhMb3JnL2FwYWNoZS9mbGluay9ydW50aW1lL2NoZWNrcG9pbnQvU2F2ZXBvaW50VHlwZSRQb3N0Q2hlY2twb2ludEFjdGlvbjt4\
    cH5yADNvcmcuYXBhY2hlLmZsaW5rLmNvcmUuZXhlY3V0aW9uLlNhdmVwb2ludEZvcm1hdFR5cGUAAAAAAAAAABIAAHhyAA5qYXZh\
    LmxhbmcuRW51bQAAAAAAAAAAEgAAeHB0AAlDQU5PTklDQUx0AAlTYXZlcG9pbnR+cgBGb3JnLmFwYWNoZS5mbGluay5ydW50aW1l\
    LmNoZWNrcG9pbnQuU2F2ZXBvaW50VHlwZSRQb3N0Q2hlY2twb2ludEFjdGlvbgAAAAAAAAAAEgAAeHEAfgAJdAAETk9ORQ==
    """
    return [UInt8](Data(base64Encoded: base64) ?? Data())
}()

/// The start of the `_metadata` of a filesystem savepoint (operator "counter", subtask 0, 64 key groups),
/// completed with a second subtask, a stateless source and the properties trailer.
func workedExampleMetadata() -> [UInt8] {
    var e = Encoder()
    e.header(version: 6, checkpointId: 1)
    e.i32(0)                                  // master states
    e.i32(2)                                  // operators
    e.operatorHead(name: "KeyedProcess", uid: "counter", id: FlinkHashing.operatorID(forUid: "counter"),
                   parallelism: 2, maxParallelism: 128, version: 6)
    e.i8(0)                                   // coordinator: null
    e.i32(2)                                  // subtasks
    for subtask in 0..<2 {
        e.i32(Int32(subtask))
        e.i32(0); e.i32(0)                    // no managed / raw operator state
        e.i8(7)                               // SAVEPOINT_KEY_GROUPS_HANDLE
        e.i32(Int32(64 * subtask)); e.i32(64)
        for kg in 0..<64 { e.i64(kg % 3 == 0 ? 0 : 1867 + Int64(kg) * 100) }
        e.relativeFile(subtask == 0 ? "793b4d12-182f-4e60-8de1-2688b3c1e0b0" : "aa000000-0000-0000-0000-000000000001",
                       size: 151_472)
        e.i8(0)                               // raw keyed: none
        e.i32(0); e.i32(0)                    // channel state
    }
    e.operatorHead(name: "Source: numbers", uid: "source", id: FlinkHashing.operatorID(forUid: "source"),
                   parallelism: 1, maxParallelism: 128, version: 6)
    e.i8(0)
    e.i32(1)
    e.i32(0)
    e.i32(1)                                  // managed operator state present
    e.i8(4); e.i32(1); e.utf("offsets"); e.i8(0); e.i32(1); e.i64(190)
    e.byteStream("file:/tmp/sp/f77bffd2-0000", [UInt8](repeating: 0xAB, count: 198))
    e.i32(0)
    e.i8(0); e.i8(0)
    e.i32(0); e.i32(0)
    e.raw(canonicalSavepointProperties)
    return e.bytes
}

/// The `fixtures/` folder at the repository root, found from this file's path.
func fixturesDirectory(_ filePath: String = #filePath) -> URL {
    URL(fileURLWithPath: filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures")
}

/// Every `_metadata` under `fixtures/`, found at test time.
func fixtureMetadataFiles() -> [URL] {
    guard let walker = FileManager.default.enumerator(
        at: fixturesDirectory().resolvingSymlinksInPath(), includingPropertiesForKeys: nil) else {
        return []
    }
    return walker.compactMap { $0 as? URL }.filter { $0.lastPathComponent == "_metadata" }.sorted { $0.path < $1.path }
}

func readFile(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

func makeTemporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("savepoint-metadata-tests-\(UUID().uuidString)")
        .appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Removes the per-test root that `makeTemporaryDirectory` created above `url`.
func removeTemporaryRoot(_ url: URL) {
    var dir = url
    while dir.pathComponents.count > 1 {
        if dir.lastPathComponent.hasPrefix("savepoint-metadata-tests-") {
            try? FileManager.default.removeItem(at: dir)
            return
        }
        dir.deleteLastPathComponent()
    }
}

func touch(_ url: URL, bytes: [UInt8] = [1, 2, 3]) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: url)
}
