import Bytes

extension JSONEmitter {
    /// A Flink `StringValue` (as `StringSerializer` writes it) straight from its bytes, as the JSON
    /// string `value(_:)` writes for the decoded string, or `null`.
    ///
    /// An ASCII string's units are one byte each, equal to its UTF-8, so its bytes are escaped in
    /// place; anything else is decoded to UTF-16 units and written as `.string`/`.utf16String` are
    /// (well-formed text as UTF-8, an unpaired surrogate as `\uXXXX`).
    public mutating func stringValue(from r: inout ByteReader) throws {
        let start = r.position
        let lengthPlusOne = try r.readVarUInt32("a string length")
        if lengthPlusOne == 0 { return null() }
        let count = Int(lengthPlusOne) - 1
        if count <= r.remaining {
            let ascii = r.storage.withUnsafeBufferPointer { all in
                asciiString(UnsafeBufferPointer(rebasing: all[r.index..<(r.index + count)]))
            }
            if ascii { return try r.skip(count) }
        }
        try r.seek(to: start)
        guard let units = try r.readStringValueUnits() else { return null() }
        utf16(units)
    }
}
