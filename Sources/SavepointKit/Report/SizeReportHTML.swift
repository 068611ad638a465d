import Foundation

/// `report --html`: one self-contained page (style, script and data inline; nothing fetched) that
/// draws the `--json` document embedded in it: a treemap of entry bytes (operator → state →
/// subtask), a key-group histogram per keyed operator and the largest entries. The page computes
/// nothing of its own: every number it shows is a number of the embedded JSON.
public enum SizeReportHTML {
    public static func page(_ report: SizeReport) throws -> [UInt8] {
        // In a script element, "</" would end it early; "<\/" is the same JSON string.
        let json = String(decoding: try ReportJSON.line(report), as: UTF8.self).replacingOccurrences(of: "</", with: "<\\/")
        let title = report.path.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        return Array((head(title) + "<script type=\"application/json\" id=\"report-data\">" + json + "</script>\n"
            + "<script>" + script + "</script>\n</body>\n</html>\n").utf8)
    }

    static func head(_ title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>savepoint report: \(title)</title>
        <style>
        body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
        h1 { font-size: 18px; } h2 { font-size: 16px; margin-top: 28px; }
        table { border-collapse: collapse; } td, th { padding: 2px 10px; text-align: left; }
        td.n { text-align: right; font-variant-numeric: tabular-nums; }
        tr:nth-child(even) td { background: #f4f4f4; }
        svg text { font-size: 11px; pointer-events: none; }
        .tile { stroke: #fff; stroke-width: 1; } .bar { fill: #4a78b0; }
        code { font-size: 12px; }
        </style>
        </head>
        <body>
        <h1>savepoint report: <code>\(title)</code></h1>
        <p>Total <b id="total-bytes"></b> bytes on disk (<code>_metadata</code> <span id="metadata-bytes"></span>
        bytes plus every referenced file), form <span id="form"></span>.</p>
        <table id="operators"><thead><tr><th>operator</th><th>bytes on disk</th><th>entry bytes</th></tr></thead>
        <tbody></tbody></table>
        <h2>Entry bytes: operator → state → subtask</h2>
        <svg id="treemap" width="960" height="420"></svg>
        <div id="histograms"></div>
        <h2>Largest entries</h2>
        <table id="top-keys"><thead><tr><th>operator</th><th>state</th><th>key</th><th>bytes</th><th>key group</th></tr></thead>
        <tbody></tbody></table>
        <div id="ttl-ages"></div>
        <h2>Orphans</h2>
        <table id="orphans"><thead><tr><th>kind</th><th>name</th><th>operator</th><th>subtask</th><th>bytes</th></tr></thead>
        <tbody></tbody></table>

        """
    }

    static let script = #"""
    const report = JSON.parse(document.getElementById('report-data').textContent);
    const NS = 'http://www.w3.org/2000/svg';
    function el(name, attrs, parent, text) {
      const e = document.createElementNS(NS, name);
      for (const k in attrs) e.setAttribute(k, attrs[k]);
      if (text !== undefined) e.textContent = text;
      parent.appendChild(e);
      return e;
    }
    function cell(row, text, numeric) {
      const td = document.createElement('td');
      td.textContent = text;
      if (numeric) td.className = 'n';
      row.appendChild(td);
    }
    const opName = op => op.uid || op.operatorId;
    document.getElementById('total-bytes').textContent = report.totalBytes;
    document.getElementById('metadata-bytes').textContent = report.metadataBytes;
    document.getElementById('form').textContent = report.form;
    const opBody = document.querySelector('#operators tbody');
    for (const op of report.operators) {
      const tr = document.createElement('tr');
      tr.className = 'operator-row';
      cell(tr, opName(op)); cell(tr, op.bytes, true);
      cell(tr, op.states.reduce((s, x) => s + x.bytes, 0), true);
      opBody.appendChild(tr);
    }
    // Slice-and-dice treemap: operators side by side, their states stacked, subtasks side by side.
    const tree = report.operators.map(op => ({ name: opName(op), children: op.states.map(s => ({
      name: s.name, children: s.subtaskBytes.map((b, i) => ({ name: s.name + ' #' + i, value: b })) })) }));
    const total = n => n.value !== undefined ? n.value : n.children.reduce((s, c) => s + total(c), 0);
    const svg = document.getElementById('treemap');
    const colours = ['#4a78b0', '#e08a3c', '#5aa05a', '#c8504f', '#8c6bb1', '#8a6d3b', '#d17ab8', '#7f7f7f'];
    let stateNo = 0;
    function layout(nodes, x, y, w, h, depth) {
      const sum = nodes.reduce((s, n) => s + total(n), 0);
      if (sum <= 0) return;
      let at = 0;
      for (const n of nodes) {
        const v = total(n);
        if (v <= 0) continue;
        const f = v / sum;
        const [nx, ny, nw, nh] = depth % 2 === 0 ? [x + at * w, y, f * w, h] : [x, y + at * h, w, f * h];
        at += f;
        if (depth === 1) stateNo++;
        if (n.children) { layout(n.children, nx, ny, nw, nh, depth + 1); continue; }
        const r = el('rect', { x: nx, y: ny, width: nw, height: nh, class: 'tile',
          fill: colours[stateNo % colours.length], 'data-bytes': v }, svg);
        el('title', {}, r, n.name + ': ' + v + ' bytes');
        if (nw > 60 && nh > 14) el('text', { x: nx + 3, y: ny + 12, fill: '#fff' }, svg, n.name);
      }
    }
    layout(tree, 0, 0, 960, 420, 0);
    // Key-group histograms: one bar per key group, or per run of key groups when there are many.
    const hist = document.getElementById('histograms');
    for (const op of report.operators) {
      if (!op.keyGroupBytes.length) continue;
      const h2 = document.createElement('h2');
      h2.textContent = 'Entry bytes per key group: ' + opName(op);
      hist.appendChild(h2);
      const kg = op.keyGroupBytes, bins = Math.min(kg.length, 240), per = Math.ceil(kg.length / bins);
      const sums = [];
      for (let i = 0; i < kg.length; i += per) sums.push(kg.slice(i, i + per).reduce((s, v) => s + v, 0));
      const max = Math.max(1, ...sums), W = 960, H = 160, bw = W / sums.length;
      const s = el('svg', { width: W, height: H + 16, class: 'histogram', 'data-operator': opName(op) }, hist);
      sums.forEach((v, i) => {
        const bh = H * v / max;
        const r = el('rect', { x: i * bw, y: H - bh, width: Math.max(1, bw - 1), height: bh, class: 'bar', 'data-bytes': v }, s);
        el('title', {}, r, 'key groups ' + i * per + '–' + (Math.min(kg.length, (i + 1) * per) - 1) + ': ' + v + ' bytes');
      });
      el('text', { x: 0, y: H + 13 }, s, '0');
      el('text', { x: W - 40, y: H + 13 }, s, String(kg.length - 1));
    }
    const topBody = document.querySelector('#top-keys tbody');
    for (const op of report.operators) for (const st of op.states) for (const e of st.largest) {
      const tr = document.createElement('tr');
      tr.className = 'top-row';
      cell(tr, opName(op)); cell(tr, st.name);
      cell(tr, JSON.stringify(e.key) + (e.userKey !== undefined ? ' → ' + JSON.stringify(e.userKey) : ''));
      cell(tr, e.bytes, true); cell(tr, e.keyGroup, true);
      topBody.appendChild(tr);
    }
    // TTL share by age: per TTL state, entries and bytes by time since last access, with a bar each.
    const ages = document.getElementById('ttl-ages');
    for (const op of report.operators) for (const st of op.states) {
      if (!st.ttlAge) continue;
      const h2 = document.createElement('h2');
      h2.textContent = 'TTL share by age: ' + opName(op) + ' / ' + st.name + ' (at ' + new Date(report.ttlNow).toISOString() + ')';
      ages.appendChild(h2);
      const table = document.createElement('table');
      table.className = 'ttl-table';
      const most = Math.max(1, ...st.ttlAge.map(b => b.bytes));
      for (const b of st.ttlAge) {
        const tr = document.createElement('tr');
        tr.className = 'ttl-row';
        cell(tr, b.label); cell(tr, b.entries, true); cell(tr, b.bytes, true);
        const td = document.createElement('td');
        const s = el('svg', { width: 300, height: 12 }, td);
        el('rect', { x: 0, y: 1, width: 300 * b.bytes / most, height: 10, class: 'bar ttl-bar', 'data-bytes': b.bytes }, s);
        tr.appendChild(td);
        table.appendChild(tr);
      }
      ages.appendChild(table);
    }
    const orphanBody = document.querySelector('#orphans tbody');
    for (const o of report.orphans) {
      const tr = document.createElement('tr');
      tr.className = 'orphan-row';
      cell(tr, o.kind); cell(tr, o.name); cell(tr, o.operator || ''); cell(tr, o.subtask === undefined ? '' : o.subtask, true);
      cell(tr, o.bytes, true);
      orphanBody.appendChild(tr);
    }
    """#
}
