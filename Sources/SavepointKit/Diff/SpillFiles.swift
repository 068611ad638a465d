#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Bytes
import Foundation

/// Records spilled to temporary files, partitioned by a hash of what identifies them, so that each
/// partition can be read back and joined alone: memory is one partition, whatever the state's size.
/// The files live in one fresh directory under `parent` (the system's temporary folder, `TMPDIR`,
/// by default) and are removed by `remove()`.
///
/// Record layout: `u32 state ‖ u32 key group ‖ u32 id length ‖ id ‖ u32 payload length ‖ payload`
/// (little-endian: the files never leave this process).
final class SpillFiles {
    struct Record {
        var state: Int
        var keyGroup: Int
        var id: Range<Int>
        var payload: Range<Int>
    }

    let directory: URL
    let count: Int
    private var descriptors: [Int32]
    private var buffers: [[UInt8]]
    // Small: every partition has one buffer (256 partitions: 16 MB).
    private static let flushThreshold = 64 << 10

    /// Spill files are local scratch, whatever storage the savepoints compared are in.
    init(partitions: Int, label: String, in parent: URL? = nil) throws {
        count = max(1, partitions)
        directory = (parent ?? FileManager.default.temporaryDirectory).appendingPathComponent("savepoint-\(label)-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw SavepointError.io("cannot create the spill directory \(directory.path): \(error.localizedDescription)")
        }
        descriptors = []
        buffers = Array(repeating: [], count: count)
        for p in 0..<count {
            let path = file(p)
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            if fd < 0 {
                let reason = String(cString: strerror(errno))
                remove()
                throw SavepointError.io("cannot create spill file \(path): \(reason)")
            }
            descriptors.append(fd)
        }
    }

    func file(_ partition: Int) -> String { directory.appendingPathComponent("\(partition).spill").path }

    /// The partition of a record identified by `id` in state `state`.
    func partition(state: Int, id: UnsafeBufferPointer<UInt8>) -> Int {
        Int(FoldHash.hash(UnsafeRawBufferPointer(id), seed: UInt64(state)) % UInt64(count))
    }

    func append(state: Int, keyGroup: Int, id: UnsafeBufferPointer<UInt8>, payload: UnsafeBufferPointer<UInt8>) throws {
        let p = partition(state: state, id: id)
        Self.put(UInt32(state), &buffers[p])
        Self.put(UInt32(keyGroup), &buffers[p])
        Self.put(UInt32(id.count), &buffers[p])
        buffers[p].append(contentsOf: id)
        Self.put(UInt32(payload.count), &buffers[p])
        buffers[p].append(contentsOf: payload)
        if buffers[p].count >= Self.flushThreshold { try flush(p) }
    }

    private static func put(_ v: UInt32, _ out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    private func flush(_ p: Int) throws {
        if let failure = buffers[p].withUnsafeBytes({ writeFully(descriptors[p], $0) }) {
            throw SavepointError.io("cannot write spill file \(file(p)): \(failure.reason)")
        }
        buffers[p].removeAll(keepingCapacity: true)
    }

    /// Writes out what is buffered and closes the files for writing.
    func finishWriting() throws {
        for p in 0..<count {
            try flush(p)
            buffers[p] = []
            close(descriptors[p])
        }
        descriptors = []
    }

    /// Partition `p` whole, and its records in the order they were written.
    func read(_ p: Int) throws -> (bytes: [UInt8], records: [Record]) {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file(p))))
        } catch {
            throw SavepointError.io("cannot read spill file \(file(p)): \(error.localizedDescription)")
        }
        var records: [Record] = []
        var i = 0
        func u32() -> Int {
            defer { i += 4 }
            return Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24
        }
        while i < bytes.count {
            let state = u32(), keyGroup = u32()
            let idCount = u32()
            let id = i..<(i + idCount)
            i += idCount
            let payloadCount = u32()
            let payload = i..<(i + payloadCount)
            i += payloadCount
            records.append(Record(state: state, keyGroup: keyGroup, id: id, payload: payload))
        }
        return (bytes, records)
    }

    /// Closes and deletes every file and the directory.
    func remove() {
        for fd in descriptors { close(fd) }
        descriptors = []
        try? FileManager.default.removeItem(at: directory)
    }
}
