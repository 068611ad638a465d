import FlinkSerialization
import SavepointKit

/// The text form of `schema show` and `schema check`: one block per operator, types as trees
/// (a POJO's or row's fields one per line; other types on one line while they fit).
enum SchemaText {
    static func render(_ document: SchemaDocument, path: String, width: Int) -> String {
        var out = "\(path)" + (document.flinkVersion.map { " (written by Flink \($0))" } ?? "") + "\n"
        for op in document.operators where !op.states.isEmpty || op.key != nil {
            out += "\noperator \(op.uid ?? "(uid not recorded)")  \(op.operatorId)\n"
            if let key = op.key { out += tree(key, label: "key", indent: 2, width: width) }
            for s in op.states {
                var line = "  state \(s.name): \(s.kind)"
                if let ns = s.namespace { line += ", namespace \(ns.rendered)" }
                if s.type.isTTL { line += ", TTL" }
                out += line + "\n" + tree(s.type, label: nil, indent: 4, width: width)
            }
        }
        return out
    }

    /// A type as lines: on one line when it fits and has no named fields, else its head and one
    /// line per nested type.
    static func tree(_ t: SchemaType, label: String?, indent: Int, width: Int) -> String {
        let prefix = String(repeating: " ", count: indent) + (label.map { "\($0): " } ?? "")
        let expands: Bool
        switch t {
        case .pojo(_, let fields): expands = !fields.isEmpty
        case .row(let fields): expands = !fields.isEmpty
        default: expands = prefix.count + t.rendered.count > width && !t.children.isEmpty
        }
        guard expands else { return prefix + t.rendered + "\n" }
        var out = prefix + head(t) + "\n"
        for child in t.children { out += tree(child.type, label: child.name, indent: indent + 2, width: width) }
        return out
    }

    static func head(_ t: SchemaType) -> String {
        switch t {
        case .pojo(let cls, _): return "POJO \(cls)"
        case .row: return "Row"
        case .array: return "GenericArray"
        case .generic(let name, _): return name
        default: return t.rendered
        }
    }

    static func render(_ report: SchemaCheckReport, width: Int) -> String {
        var out = ""
        func line(_ text: String) { out += TextLayout.wrap(text, width: width, indent: 4) }
        line("Flink \(report.flinkVersion) restoring \(report.path) with the types of \(report.against): "
             + (report.restores ? "restores and reads every state" : "refuses"))
        // Operators without state on either side (a stateless source) have nothing to tell.
        for op in report.operators where op.key != nil || !op.states.isEmpty {
            let name = "operator \(op.uid ?? op.operatorId)" + (op.uid == nil ? "" : " (\(op.operatorId))")
            out += "\n"
            switch op.status {
            case "new": line("\(name): new, starts empty")
            case "dropped": line("\(name): only in the savepoint: Flink refuses the restore unless allowNonRestoredState"
                                 + " (its state is then dropped)")
            default: line(name + ":")
            }
            if let key = op.key { line("  key: " + describe(key)) }
            guard op.status == "matched" else { continue }
            for s in op.states {
                switch s.status {
                case "new": line("  \(s.name) (\(s.kind)): new, starts empty")
                case "dropped": line("  \(s.name) (\(s.kind)): not in the target: restored, never read by the new job")
                default: line("  \(s.name) (\(s.kind)): " + (s.finding.map(describe) ?? "compatible as is"))
                }
            }
        }
        return out
    }

    static func describe(_ f: SchemaCheckReport.Finding) -> String {
        var text = f.compatibility.name.replacingOccurrences(of: "-", with: " ")
        // The serializer is named once: reasons that name it already stand alone.
        let serializer = f.serializer.flatMap { f.reason?.contains($0) == true ? nil : $0 }
        let detail = [f.field.map { "field \($0)" }, serializer, f.reason].compactMap { $0 }
        if !detail.isEmpty { text += ": " + detail.joined(separator: ": ") }
        if !f.restores { text += " — Flink refuses" }
        if let m = f.migratable { text += m ? "; schema migrate can rewrite it" : "; schema migrate cannot fix it" }
        return text
    }
}
