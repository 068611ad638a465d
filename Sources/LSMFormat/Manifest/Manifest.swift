import Bytes

/// A MANIFEST file: log-format records, each a `VersionEdit`, replayed into a `Version`.
public enum Manifest {
    /// Decodes every edit of a MANIFEST.
    public static func edits(_ bytes: [UInt8]) throws -> [VersionEdit] {
        var reader = LogReader(bytes)
        var out: [VersionEdit] = []
        while let record = try reader.next() {
            out.append(try VersionEdit.decode(record))
        }
        return out
    }

    /// Replays a MANIFEST. RocksDB refuses one without a next-file number, log number and last
    /// sequence; so do we. `name` (the file name) is put on errors.
    public static func read(_ bytes: [UInt8], name: String = "MANIFEST") throws -> Version {
        do {
            var version = Version()
            var reader = LogReader(bytes)
            while let record = try reader.next() {
                try version.apply(try VersionEdit.decode(record))
            }
            guard version.nextFileNumber != nil, version.logNumber != nil, version.lastSequence != nil else {
                throw FormatError(
                    offset: bytes.count,
                    "MANIFEST lacks a next-file number, log number or last sequence (truncated? \(version.editCount) edits read)")
            }
            return version
        } catch let error as FormatError {
            throw error.located(in: name)
        }
    }

    /// Encodes edits as a MANIFEST (the mirror of `edits`).
    public static func write(_ edits: [VersionEdit]) -> [UInt8] {
        var writer = LogWriter()
        for edit in edits { writer.add(edit.encode()) }
        return writer.bytes
    }
}

/// The CURRENT file: the name of the live MANIFEST and a newline (`db/filename.cc`).
public enum CurrentFile {
    public static func manifestName(_ bytes: [UInt8], name: String = "CURRENT") throws -> String {
        var text = String(decoding: bytes, as: UTF8.self)
        guard text.hasSuffix("\n") else {
            throw FormatError(file: name, offset: bytes.count, "expected CURRENT to end with a newline (truncated?)")
        }
        text.removeLast()
        guard text.hasPrefix("MANIFEST-"), text.dropFirst(9).allSatisfy(\.isASCIIDigit), text.count > 9 else {
            throw FormatError(file: name, offset: 0, "expected \"MANIFEST-<number>\" in CURRENT, found \"\(text.prefix(64))\"")
        }
        return text
    }

    public static func contents(manifestName: String) -> [UInt8] { Array((manifestName + "\n").utf8) }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
