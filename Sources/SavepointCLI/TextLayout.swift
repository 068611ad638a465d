/// Lines that fit a terminal: words wrapped with a hanging indent, tables whose widest column
/// is abbreviated when the rows would not fit.
enum TextLayout {
    /// `text` as lines of at most `width` columns (broken at spaces; a word longer than a line is
    /// cut), each ending in a newline; continuation lines start with `indent` spaces. `plain` is
    /// `text` without terminal escapes, when it has any (only unbroken text may carry them).
    static func wrap(_ text: String, width: Int, indent: Int = 2, plain: String? = nil) -> String {
        let source = plain ?? text
        guard source.count > width else { return text + "\n" }
        let lead = String(source.prefix { $0 == " " })
        let pad = String(repeating: " ", count: min(max(indent, lead.count), width / 2))
        var lines: [String] = []
        var current = lead
        for word in source.dropFirst(lead.count).split(separator: " ") {
            var piece = String(word)
            let fresh = current == lead && lines.isEmpty || current == pad && !lines.isEmpty
            let candidate = fresh ? current + piece : current + " " + piece
            if candidate.count <= width { current = candidate; continue }
            if !fresh { lines.append(current); current = pad }
            while current.count + piece.count > width {
                let room = max(1, width - current.count)
                lines.append(current + piece.prefix(room))
                piece = String(piece.dropFirst(room))
                current = pad
            }
            current += piece
        }
        if current != pad { lines.append(current) }
        return lines.map { $0 + "\n" }.joined()
    }

    /// A table indented by two spaces; when it is wider than `width`, the cells of column
    /// `flexible` (then of the widest columns) are abbreviated with "…" to fit, none below 8 columns.
    static func table(header: [String], rows: [[String]], width: Int, flexible: Int) -> String {
        let all = [header] + rows
        var widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        func excess() -> Int { 2 + widths.reduce(0, +) + 2 * (widths.count - 1) - width }
        if excess() > 0, flexible < widths.count {
            widths[flexible] = max(12, widths[flexible] - excess())
        }
        while excess() > 0, let widest = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[widest] > 8 {
            widths[widest] = max(8, widths[widest] - excess())
        }
        func cell(_ text: String, _ c: Int) -> String {
            let w = widths[c]
            let fitted = text.count > w ? String(text.prefix(w - 1)) + "…" : text
            return fitted.padding(toLength: w, withPad: " ", startingAt: 0)
        }
        func line(_ cells: [String]) -> String {
            var s = "  " + cells.enumerated().map { cell($0.element, $0.offset) }.joined(separator: "  ")
            while s.last == " " { s.removeLast() }
            return s + "\n"
        }
        return Terminal.dim(line(header)) + rows.map(line).joined()
    }
}
