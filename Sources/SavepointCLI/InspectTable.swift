import Foundation
import SavepointKit

/// The human-readable form of an `InspectReport`: a summary, then each operator with its states,
/// every line within `width` columns (long types are abbreviated, long lists wrapped).
enum InspectTable {
    static func render(_ r: InspectReport, width: Int) -> String {
        var out = ""
        out += TextLayout.wrap(Terminal.bold("Savepoint") + " \(r.metadataPath)", width: width, plain: "Savepoint \(r.metadataPath)")
        out += TextLayout.wrap("  \(r.origin.summary)", width: width, indent: 4)
        out += TextLayout.wrap("  checkpoint \(r.checkpointId), metadata version \(r.metadataVersion), form \(r.form), "
            + "\(r.operators.count) operators, state \(bytes(r.stateSize)) (_metadata \(bytes(Int64(r.metadataSize))))",
            width: width, indent: 4)
        for op in r.operators { out += "\n" + operatorBlock(op, deep: r.deep, width: width) }
        let absent = r.files.filter { $0.status != "present" }
        out += "\n" + Terminal.bold("Files") + " \(r.files.count) referenced"
        out += absent.isEmpty ? ", all present\n" : ", " + Terminal.red("\(absent.count) missing or unreadable") + "\n"
        for f in absent {
            var line = "  \(f.status) \(f.path)"
            if let recorded = f.recordedPath { line += " (recorded as \(recorded))" }
            if f.status == "unreadable", let reason = f.reason { line += ": \(reason)" }
            out += TextLayout.wrap(line, width: width, indent: 4)
        }
        if !r.deep, r.operators.contains(where: { $0.keyType != nil }) {
            out += Terminal.dim(TextLayout.wrap("(entries and bytes per keyed state, live LSM entries: inspect --deep)", width: width))
        }
        return out
    }

    static func operatorBlock(_ op: InspectReport.Operator, deep: Bool, width: Int) -> String {
        let title = op.uid ?? op.name ?? op.operatorId
        var heading = "Operator \(title)"
        if let name = op.name, name != title { heading += " (\(name))" }
        if op.uidSource == "--uids" { heading += " [uid from --uids]" }
        var out = TextLayout.wrap(Terminal.bold(heading), width: width, plain: heading)
        var line = "  id \(op.operatorId), parallelism \(op.parallelism), max parallelism \(op.maxParallelism), "
        line += "state \(bytes(op.stateSize))"
        if let layout = op.keyedLayout { line += ", keyed layout \(layout)" }
        if op.keyGroupCompression == true { line += ", snapshot compression" }
        out += TextLayout.wrap(line, width: width, indent: 4)
        if let key = op.keyType { out += TextLayout.wrap("  key \(key)", width: width, indent: 4) }
        for problem in op.problems { out += TextLayout.wrap("  " + Terminal.red("cannot read") + " \(problem)", width: width, indent: 4) }
        if !op.states.isEmpty {
            var header = ["state", "kind", "type", "namespace", "size"]
            if deep { header.append("entries") }
            let rows = op.states.map { s -> [String] in
                var row = [s.name, s.kind + (s.ttl ? " (TTL)" : ""), s.valueType ?? "", s.namespaceType ?? "",
                           s.size.map(bytes) ?? ""]
                if deep { row.append(s.entries.map(String.init) ?? "") }
                return row
            }
            out += TextLayout.table(header: header, rows: rows, width: width, flexible: 2)
        }
        if let families = op.columnFamilies, !families.isEmpty {
            var header = ["column family", "SSTs", "size", "raw entries"]
            if deep { header.append("live entries") }
            header += ["compression", "levels"]
            let rows = families.map { cf -> [String] in
                var row = [cf.name, "\(cf.sstCount)", bytes(cf.totalSize), "\(cf.rawEntries)"]
                if deep { row.append(cf.liveEntries.map(String.init) ?? "") }
                return row + [cf.compression.joined(separator: ","), cf.levels.map(String.init).joined(separator: ",")]
            }
            out += TextLayout.table(header: header, rows: rows, width: width, flexible: 0)
            if !deep {
                out += Terminal.dim(TextLayout.wrap("  (raw entries: puts, merge operands and deletes in the SSTs, before merging)", width: width, indent: 3))
            }
        }
        let sizes = op.subtasks.map { st -> String in
            let kg = st.keyGroups.map { " kg \($0.start)-\($0.end)" } ?? ""
            return st.finished ? "#\(st.index) finished" : "#\(st.index)\(kg) \(bytes(st.keyedStateSize + st.operatorStateSize))"
        }
        if !sizes.isEmpty { out += TextLayout.wrap("  subtasks: " + sizes.joined(separator: ", "), width: width, indent: 4) }
        return out
    }

    static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n)
        var u = 0
        while v >= 1024, u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(n) B" : String(format: "%.1f", v) + " " + units[u]
    }
}
