import Bytes

/// A RocksDB OPTIONS-NNNNNN file (`options/options_parser.cc`): INI-like sections
/// `[Version]`, `[DBOptions]`, `[CFOptions "<cf>"]`, `[TableOptions/BlockBasedTable "<cf>"]`, each
/// with `key=value` lines; `#` starts a comment line. Values stay strings (nested structs
/// `{k=v;…}` and `:`-separated per-level lists included); RocksDB does not read this file on open.
public struct OptionsFile: Sendable {
    public struct Section: Sendable {
        /// `CFOptions`, `TableOptions/BlockBasedTable`, `DBOptions`, `Version`, …
        public var kind: String
        /// The quoted argument, e.g. the column family name.
        public var argument: String?
        public var entries: [(key: String, value: String)]

        public subscript(key: String) -> String? { entries.first { $0.key == key }?.value }
    }

    public var sections: [Section]

    public init(_ bytes: [UInt8], name: String = "OPTIONS") throws {
        var sections: [Section] = []
        var offset = 0
        for (number, rawLine) in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            defer { offset += rawLine.utf8.count + 1 }
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                sections.append(try Self.parseHeader(line, line: number + 1, offset: offset, file: name))
                continue
            }
            guard let eq = line.firstIndex(of: "="), !sections.isEmpty else {
                throw FormatError(file: name, offset: offset, "line \(number + 1): expected key=value inside a section, found \"\(line.prefix(80))\"")
            }
            let key = String(line[..<eq]).trimmingWhitespace()
            let value = String(line[line.index(after: eq)...]).trimmingWhitespace()
            sections[sections.count - 1].entries.append((key, value))
        }
        self.sections = sections
    }

    private static func parseHeader(_ line: String, line number: Int, offset: Int, file: String) throws -> Section {
        guard line.hasSuffix("]") else {
            throw FormatError(file: file, offset: offset, "line \(number): section header without closing ]")
        }
        let inner = line.dropFirst().dropLast()
        guard let quote = inner.firstIndex(of: "\"") else {
            return Section(kind: String(inner).trimmingWhitespace(), argument: nil, entries: [])
        }
        let kind = String(inner[..<quote]).trimmingWhitespace()
        let rest = inner[inner.index(after: quote)...]
        guard let close = rest.lastIndex(of: "\"") else {
            throw FormatError(file: file, offset: offset, "line \(number): unterminated quoted section name")
        }
        return Section(kind: kind, argument: String(rest[..<close]), entries: [])
    }

    public func section(_ kind: String, _ argument: String? = nil) -> Section? {
        sections.first { $0.kind == kind && $0.argument == argument }
    }

    public var rocksDBVersion: String? { section("Version")?["rocksdb_version"] }
    /// Column families named in `[CFOptions "…"]` sections, in file order.
    public var columnFamilyNames: [String] { sections.filter { $0.kind == "CFOptions" }.compactMap(\.argument) }
    public func columnFamilyOptions(_ name: String) -> Section? { section("CFOptions", name) }
    public func tableOptions(_ name: String) -> Section? { section("TableOptions/BlockBasedTable", name) }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
