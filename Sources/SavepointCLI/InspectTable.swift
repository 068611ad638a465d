import Foundation
import SavepointKit

/// The human-readable form of an `InspectReport`: a summary, then each operator with its states.
enum InspectTable {
    static func render(_ r: InspectReport) -> String {
        var out = ""
        out += Terminal.bold("Savepoint") + " \(r.metadataPath)\n"
        out += "  checkpoint \(r.checkpointId), metadata version \(r.metadataVersion), form \(r.form), "
        out += "\(r.operators.count) operators, state \(bytes(r.stateSize)) (_metadata \(bytes(Int64(r.metadataSize))))\n"
        for op in r.operators { out += "\n" + operatorBlock(op) }
        let missing = r.files.filter { !$0.present }
        out += "\n" + Terminal.bold("Files") + " \(r.files.count) referenced"
        out += missing.isEmpty ? ", all present\n" : ", " + Terminal.red("\(missing.count) missing") + "\n"
        for f in missing { out += "  " + Terminal.red("missing") + " \(f.path)\n" }
        return out
    }

    static func operatorBlock(_ op: InspectReport.Operator) -> String {
        let title = op.uid ?? op.name ?? op.operatorId
        var out = Terminal.bold("Operator \(title)")
        if let name = op.name, name != title { out += " (\(name))" }
        out += "\n  id \(op.operatorId), parallelism \(op.parallelism), max parallelism \(op.maxParallelism), "
        out += "state \(bytes(op.stateSize))"
        if let layout = op.keyedLayout { out += ", keyed layout \(layout)" }
        if op.keyGroupCompression == true { out += ", snapshot compression" }
        out += "\n"
        if let key = op.keyType { out += "  key \(key)\n" }
        if !op.states.isEmpty {
            let rows = op.states.map { s in
                [s.name, s.kind + (s.ttl ? " (TTL)" : ""), s.valueType ?? "", s.namespaceType ?? "",
                 s.size.map(bytes) ?? ""]
            }
            out += table(header: ["state", "kind", "type", "namespace", "size"], rows: rows)
        }
        if let families = op.columnFamilies, !families.isEmpty {
            let rows = families.map { cf in
                [cf.name, "\(cf.sstCount)", bytes(cf.totalSize), "\(cf.entryCount)",
                 cf.compression.joined(separator: ","), cf.levels.map(String.init).joined(separator: ",")]
            }
            out += table(header: ["column family", "SSTs", "size", "entries", "compression", "levels"], rows: rows)
        }
        let sizes = op.subtasks.map { st -> String in
            let kg = st.keyGroups.map { " kg \($0)" } ?? ""
            return st.finished ? "#\(st.index) finished" : "#\(st.index)\(kg) \(bytes(st.keyedStateSize + st.operatorStateSize))"
        }
        if !sizes.isEmpty { out += "  subtasks: " + sizes.joined(separator: ", ") + "\n" }
        return out
    }

    static func table(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            "  " + cells.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingTrailingSpaces() + "\n"
        }
        return Terminal.dim(line(header)) + rows.map(line).joined()
    }

    static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n)
        var u = 0
        while v >= 1024, u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(n) B" : String(format: "%.1f", v) + " " + units[u]
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
