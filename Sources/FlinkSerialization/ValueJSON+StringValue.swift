import Bytes

/// JSON text straight from serialized bytes, for the dump's direct path
/// (`TypeSerializer.appendJSON`): the same text `ValueJSON.append` gives for the decoded value.
extension ValueJSON {
    /// A Flink `StringValue` (as `StringSerializer` writes it) as a JSON string literal, or `null`.
    ///
    /// An ASCII string's units are one byte each, equal to its UTF-8, so its bytes are escaped in
    /// place; anything else is decoded to UTF-16 units and rendered as `.string`/`.utf16String`
    /// would be (well-formed text as UTF-8, an unpaired surrogate as `\uXXXX`).
    public static func appendStringValue(from r: inout ByteReader, to out: inout [UInt8]) throws {
        let start = r.position
        let lengthPlusOne = try r.readVarUInt32("a string length")
        if lengthPlusOne == 0 {
            appendASCII("null", to: &out)
            return
        }
        let count = Int(lengthPlusOne) - 1
        if count <= r.remaining, appendASCIIRun(r.storage, from: r.index, count: count, to: &out) {
            try r.skip(count)
            return
        }
        try r.seek(to: start)
        guard let units = try r.readStringValueUnits() else {
            appendASCII("null", to: &out)
            return
        }
        appendUTF16(units, to: &out)
    }

    /// Appends `storage[from..<from+count]` as an escaped JSON string when every byte is ASCII;
    /// false (and nothing appended) otherwise. The caller checked the range.
    @inline(__always)
    static func appendASCIIRun(_ storage: [UInt8], from: Int, count: Int, to out: inout [UInt8]) -> Bool {
        storage.withUnsafeBufferPointer { all in
            let bytes = UnsafeBufferPointer(rebasing: all[from..<(from + count)])
            // One pass: a high bit (not ASCII) and anything JSON escapes (control, quote, backslash).
            var high: UInt8 = 0, escapes: UInt8 = 0
            for b in bytes {
                high |= b
                escapes |= (b < 0x20 ? 1 : 0) | (b == 0x22 ? 1 : 0) | (b == 0x5C ? 1 : 0)
            }
            guard high < 0x80 else { return false }
            if escapes != 0 {
                appendEscaped(bytes, to: &out)
            } else {
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: bytes)
                out.append(UInt8(ascii: "\""))
            }
            return true
        }
    }

    /// `"null"`, for serializers that render their null without a `Value`.
    @inline(__always)
    static func appendNull(to out: inout [UInt8]) { appendASCII("null", to: &out) }
}
