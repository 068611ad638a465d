import Foundation
import Bytes
import CanonicalFormat
import SavepointMetadata

/// `--rename-state` in keyed state streams (canonical and heap layouts): the state names live
/// only in the serialization proxy header at the start of each subtask's stream (entries refer to
/// states by index), so the header is rewritten, the key-group blocks are copied behind it as they
/// are, and every key-group offset of the handle moves by the header's change in length.
extension StateFiles {
    mutating func renameStates(_ renames: [String: String], of op: inout OperatorState, in savepoint: Savepoint) throws {
        for j in op.subtaskStates.indices {
            guard var state = op.subtaskStates[j].state, let keyed = state.managedKeyedState else { continue }
            guard case var .keyGroups(h) = keyed else {
                throw SavepointError.unsupported("--rename-state on operator \(op.displayName): its keyed state is not a key-group stream")
            }
            let stream = try KeyedStreams.open(keyed, of: op, in: savepoint)
            var proxy = stream.proxy
            for k in proxy.states.indices {
                if let new = renames[proxy.states[k].name] { proxy.states[k].name = new }
            }
            var writer = ByteWriter()
            try proxy.write(to: &writer)
            let header = writer.bytes
            let old = Int64(stream.headerLength)
            let delta = Int64(header.count) - old
            h.offsets = h.offsets.map { $0 > 0 ? $0 + delta : 0 }
            switch h.delegate {
            case let .byteStream(name, data):
                h.delegate = .byteStream(name: name, data: header + data[Int(old)...])
            case .relativeFile, .file:
                let source = try resolvedPath(h.delegate)
                let size = Int64(stream.source.size) - old + Int64(header.count)
                let name: String
                if case let .relativeFile(path, _) = h.delegate { name = path } else { name = (source as NSString).lastPathComponent }
                try add(source: source, name: name, size: size, header: header, skip: old)
                h.delegate = .relativeFile(relativePath: name, size: size)
            default:
                throw SavepointError.unsupported("--rename-state on operator \(op.displayName): its keyed stream is a file-merging segment; run savepoint convert on it first")
            }
            state.managedKeyedState = .keyGroups(h)
            op.subtaskStates[j].state = state
        }
    }
}
