import CanonicalFormat
import Foundation
import SavepointMetadata

/// Writes one subtask's keyed state as a canonical savepoint stream (memory and filesystem forms)
/// and returns its tag-7 handle, the only handle type both backends restore as canonical.
enum CanonicalKeyedStateWriter {
    static func write(_ reader: some RawKeyedStateReader, compressed: Bool,
                      placement: StreamPlacement) throws -> KeyedStateHandle {
        var proxy = reader.proxy
        proxy.usingKeyGroupCompression = compressed
        let name = placement.newFileName()
        let sink = try StreamFileSink(placement.path(name), in: placement.storage)
        let range = reader.keyGroupRange
        var writer = try KeyedStateStreamWriter(
            proxy: proxy, startKeyGroup: range.startKeyGroup, numberOfKeyGroups: range.numberOfKeyGroups,
            sink: { try sink.write($0) })
        try reader.forEachKeyGroup { try writer.writeKeyGroup($0) }
        try sink.close()
        let delegate = try placement.placeFile(named: name)
        return .keyGroups(KeyGroupsStateHandle(
            kind: .savepoint, keyGroupRange: range, offsets: writer.offsets, delegate: delegate))
    }
}
