import Foundation
import SavepointTestSupport
import Testing

/// `report --html` rendered by headless Chromium (Debian's `chromium`, installed by
/// scripts/bootstrap): the charts are drawn and the numbers shown are `--json`'s. The screenshot
/// stays in `.build/report-html/` as an artefact of the run.
@Suite(.enabled(if: HeadlessChromium.path != nil, "needs chromium (scripts/bootstrap installs it)"))
struct ReportHTMLTests {
    static let artefacts = Fixture.root.deletingLastPathComponent().appendingPathComponent(".build/report-html")

    static func chromium(_ args: [String]) throws -> String {
        // As root (CI containers) Chromium needs --no-sandbox; nothing here is fetched from a network.
        try SavepointBinary.runProgram(URL(fileURLWithPath: HeadlessChromium.path!),
                                       ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"] + args).out
    }

    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test(arguments: ["rocksdb-native", "filesystem"])
    func chartsAreDrawnWithTheJSONsNumbers(_ form: String) throws {
        let path = Fixture.root.appendingPathComponent("2.3.0/basic/\(form)/savepoint").path
        try FileManager.default.createDirectory(at: Self.artefacts, withIntermediateDirectories: true)
        let html = Self.artefacts.appendingPathComponent("\(form).html")
        let json = try SavepointBinary.run(["report", path, "--top", "3", "--json", "--html", html.path])
        #expect(json.status == 0, "\(json.err)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(!page.contains(" src=") && !page.contains("<link") && !page.contains("url("),
                "scripts, styles and data are inline: the page fetches nothing")

        let dom = try Self.chromium(["--dump-dom", html.absoluteString])
        #expect(dom.contains("id=\"total-bytes\">\(doc["totalBytes"] as! Int)<"), "\(dom.prefix(2000))")
        #expect(dom.contains("id=\"metadata-bytes\">\(doc["metadataBytes"] as! Int)<"))
        let operators = try #require(doc["operators"] as? [[String: Any]])
        let states = operators.flatMap { ($0["states"] as? [[String: Any]]) ?? [] }
        // One treemap tile per state and subtask holding bytes.
        let tiles = states.flatMap { ($0["subtaskBytes"] as? [Int]) ?? [] }.filter { $0 > 0 }
        #expect(Self.count("class=\"tile\"", in: dom) == tiles.count && !tiles.isEmpty)
        for bytes in tiles { #expect(dom.contains("data-bytes=\"\(bytes)\""), "\(bytes)") }
        // One histogram bar per key group (at most 240 bars), the bars' bytes those of the JSON.
        let keyGroups = operators.compactMap { $0["keyGroupBytes"] as? [Int] }.filter { !$0.isEmpty }
        #expect(Self.count("class=\"bar\"", in: dom) == keyGroups.reduce(0) { $0 + min($1.count, 240) })
        // The operators' bytes and every largest entry, as the JSON has them.
        for op in operators { #expect(dom.contains("<td class=\"n\">\(op["bytes"] as! Int)</td>")) }
        let largest = states.flatMap { ($0["largest"] as? [[String: Any]]) ?? [] }
        #expect(Self.count("class=\"top-row\"", in: dom) == largest.count && !largest.isEmpty)

        let shot = Self.artefacts.appendingPathComponent("\(form).png")
        try? FileManager.default.removeItem(at: shot)
        _ = try Self.chromium(["--window-size=1100,1400", "--screenshot=\(shot.path)", html.absoluteString])
        let png = try Data(contentsOf: shot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000)
    }

    /// TTL states: a table of ages per state, its rows and bars the JSON's buckets.
    @Test func ttlAgesAreDrawnWithTheJSONsNumbers() throws {
        let path = Fixture.root.appendingPathComponent("2.3.0/types/filesystem/savepoint").path
        try FileManager.default.createDirectory(at: Self.artefacts, withIntermediateDirectories: true)
        let html = Self.artefacts.appendingPathComponent("types-ttl.html")
        // Half a day after the fixture was written: every entry is between 1 h and 1 d old.
        let json = try SavepointBinary.run(["report", path, "--top", "1", "--json", "--html", html.path, "--now", "1795660504251"])
        #expect(json.status == 0, "\(json.err)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect(doc["ttlNow"] as? Int == 1_795_660_504_251)
        let operators = try #require(doc["operators"] as? [[String: Any]])
        let buckets = operators.flatMap { ($0["states"] as? [[String: Any]]) ?? [] }.compactMap { $0["ttlAge"] as? [[String: Any]] }
        #expect(buckets.count == 2)
        let dom = try Self.chromium(["--dump-dom", html.absoluteString])
        #expect(Self.count("class=\"ttl-row\"", in: dom) == buckets.reduce(0) { $0 + $1.count })
        #expect(Self.count("class=\"bar ttl-bar\"", in: dom) == buckets.reduce(0) { $0 + $1.count })
        for bucket in buckets.flatMap({ $0 }) where (bucket["entries"] as! Int) > 0 {
            #expect(bucket["label"] as? String == "1 h – 1 d")
            #expect(dom.contains("<td>1 h – 1 d</td><td class=\"n\">\(bucket["entries"] as! Int)</td><td class=\"n\">\(bucket["bytes"] as! Int)</td>"),
                    "\(bucket)")
        }
        let shot = Self.artefacts.appendingPathComponent("types-ttl.png")
        try? FileManager.default.removeItem(at: shot)
        _ = try Self.chromium(["--window-size=1100,1800", "--screenshot=\(shot.path)", html.absoluteString])
        #expect(try Data(contentsOf: shot).starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }

    /// Orphans: one row per orphan of the JSON, with its bytes.
    @Test func orphansAreListedWithTheJSONsNumbers() throws {
        let dir = try Scratch.directory("report-orphans")
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("savepoint")
        try FileManager.default.copyItem(at: Fixture.root.appendingPathComponent("2.3.0/basic/filesystem/savepoint"), to: copy)
        try Data(repeating: 9, count: 321).write(to: copy.appendingPathComponent("leftover"))
        let html = dir.appendingPathComponent("report.html")
        let json = try SavepointBinary.run(["report", copy.path, "--top", "1", "--json", "--html", html.path])
        #expect(json.status == 0, "\(json.err)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let orphans = try #require(doc["orphans"] as? [[String: Any]])
        #expect(orphans.count == 1 && orphans[0]["kind"] as? String == "file" && orphans[0]["bytes"] as? Int == 321)
        let dom = try Self.chromium(["--dump-dom", html.absoluteString])
        #expect(Self.count("class=\"orphan-row\"", in: dom) == 1)
        #expect(dom.contains("<td>file</td><td>\(orphans[0]["name"] as! String)</td><td></td><td class=\"n\"></td><td class=\"n\">321</td>"),
                "\(dom.suffix(1500))")
    }
}

enum HeadlessChromium {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
}
