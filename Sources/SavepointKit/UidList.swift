import Bytes
import Foundation

/// Operator uids as users give them: comma-separated on the command line (`--uids`), or one per
/// line in a file (`--uids-from`; blank lines and surrounding spaces ignored).
public enum UidList {
    public static func parse(commaSeparated text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    public static func read(file path: String) throws -> [String] {
        let bytes: [UInt8] = try attributing(to: path) {
            let (storage, at) = try StorageResolver.shared.resolve(path)
            let source = try storage.source(at, offset: 0, length: nil)
            return try source.read(0..<source.size)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SavepointError.unreadable(path: path, reason: "not UTF-8 text")
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
