/// The savepoint format type recorded in the `CheckpointProperties` trailer of `_metadata` (V4+):
/// Flink's `SavepointFormatType` enum constant, a Java string `CANONICAL` or `NATIVE`. A converted
/// savepoint must say what it now is; nothing else in the trailer changes.
enum SavepointFormatType: String {
    case canonical = "CANONICAL"
    case native = "NATIVE"

    /// `TC_STRING, u16 length, bytes` as Java serialization writes a new string.
    var javaString: [UInt8] { [0x74, 0x00, UInt8(rawValue.utf8.count)] + Array(rawValue.utf8) }

    /// The trailer with the other format type's constant replaced by this one. A trailer without
    /// either (a checkpoint's `CheckpointType`) is returned unchanged.
    func applied(to trailer: [UInt8]) -> [UInt8] {
        let other: SavepointFormatType = self == .canonical ? .native : .canonical
        guard let at = Self.find(other.javaString, in: trailer) else { return trailer }
        return Array(trailer[..<at]) + javaString + Array(trailer[(at + other.javaString.count)...])
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
        }
        return nil
    }
}
