/// A structural problem found while decoding bytes: where it is and what was expected.
///
/// Readers throw it with the offset relative to the bytes they were given; higher layers add the
/// file name (and rebase the offset) with `located(in:at:)` so a user sees which file and which byte.
public struct FormatError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file the bytes came from, when known.
    public var file: String?
    /// Byte offset of the problem, from the start of `file` when that is set.
    public var offset: Int
    /// What was expected and what was found, in words.
    public var message: String

    public init(file: String? = nil, offset: Int, _ message: String) {
        self.file = file
        self.offset = offset
        self.message = message
    }

    /// The same error, attributed to `file` with its offset shifted by `base`.
    public func located(in file: String, at base: Int = 0) -> FormatError {
        if self.file != nil { return self }
        return FormatError(file: file, offset: base + offset, message)
    }

    public var description: String {
        if let file { return "\(file): at byte \(offset): \(message)" }
        return "at byte \(offset): \(message)"
    }
}
