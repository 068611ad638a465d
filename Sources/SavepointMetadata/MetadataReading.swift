import Bytes

/// Reading helpers shared by every `_metadata` structure: strings that must re-encode exactly,
/// counts checked against the bytes left, and offset arrays.
extension ByteReader {
    /// Java `readUTF`; `readModifiedUTF8` already refuses encodings that would not write back unchanged.
    mutating func readJavaUTF(_ what: StaticString) throws -> String {
        try readModifiedUTF8(what)
    }

    /// A non-negative `i32` count of items that each take at least `minimumBytes`, checked against
    /// the remaining bytes so a corrupt count cannot cause a huge allocation or a long loop.
    mutating func readElementCount(_ what: StaticString, minimumBytes: Int) throws -> Int {
        let at = index
        let count = try readCount(what)
        let needed = count.multipliedReportingOverflow(by: max(minimumBytes, 1))
        guard !needed.overflow, needed.partialValue <= remaining else {
            throw error(
                "\(what) is \(count), but \(count) entries of at least \(minimumBytes) bytes cannot fit in the \(remaining) bytes that remain",
                at: at)
        }
        return count
    }

    /// `count` big-endian `i64` offsets.
    mutating func readOffsets(_ count: Int, what: StaticString) throws -> [Int64] {
        try require(count * 8, for: "\(count) offsets (\(what))")
        var offsets = [Int64]()
        offsets.reserveCapacity(count)
        for _ in 0..<count { offsets.append(try readI64(what)) }
        return offsets
    }

    /// A 0/1 `i32` presence flag, as `serializeSingleton` writes it. Other values are rejected
    /// because they could not be written back unchanged.
    mutating func readPresenceFlag(_ what: StaticString) throws -> Bool {
        let at = index
        let flag = try readI32(what)
        guard flag == 0 || flag == 1 else {
            throw error("expected \(what) 0 or 1, found \(flag)", at: at)
        }
        return flag == 1
    }
}

extension ByteReader {
    /// A Java boolean that must be exactly 0 or 1, so it is written back unchanged.
    mutating func readStrictBool(_ what: StaticString) throws -> Bool {
        let at = index
        let byte = try readU8(what)
        guard byte <= 1 else { throw error("expected \(what) 0 or 1, found \(byte)", at: at) }
        return byte == 1
    }
}

extension ByteWriter {
    /// Writes a count of an in-memory collection as `writeInt`, refusing counts Java cannot hold.
    mutating func writeElementCount(_ count: Int, _ what: String) throws {
        guard count <= Int(Int32.max) else {
            throw FormatError(offset: self.count, "\(what): \(count) entries exceed a Java int")
        }
        writeCount(count)
    }

    mutating func writeOffsets(_ offsets: [Int64]) {
        for offset in offsets { writeI64(offset) }
    }
}
