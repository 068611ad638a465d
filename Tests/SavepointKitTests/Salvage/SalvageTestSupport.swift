import Foundation
import SavepointKit
import SavepointTestSupport
import Testing

/// What every salvage scenario checks: the damaged copy fails without `--skip-corrupt`; with it,
/// the dump is the undamaged dump less the lost key groups and the skips are exactly `expected`;
/// `convert --skip-corrupt` into every form reports the same skips, and its output validates and
/// dumps as the salvaged dump.
enum SalvageCheck {
    static func undamagedDump(_ relative: String, folder: String = "savepoint") throws -> [UInt8] {
        let fixture = Fixture(directory: Fixture.root.appendingPathComponent(relative))
        return try SalvageDamage.dump(folder == "savepoint" ? fixture.savepointPath : fixture.readablePath ?? "",
                                      skipCorrupt: false).lines
    }

    static func run(_ savepoint: URL, root: URL, expectedLines: [UInt8], expected: [SkippedRange]) throws {
        #expect(throws: (any Error).self) { try SalvageDamage.dump(savepoint.path, skipCorrupt: false) }
        let salvaged = try SalvageDamage.dump(savepoint.path, skipCorrupt: true)
        #expect(salvaged.skipped == expected)
        #expect(DumpComparison.difference(actual: salvaged.lines, expected: expectedLines) == nil)
        for target in ConvertOptions.Target.allCases {
            var options = ConvertOptions(target: target)
            options.skipCorrupt = true
            let out = root.appendingPathComponent("out-\(target.rawValue)")
            let report = try Converter.run(input: savepoint.path, output: out.path, options: options)
            #expect(report.skipped == expected, "\(target)")
            let validation = try Validator.validate(out.path, deep: true)
            #expect(validation.valid, "\(target): \(validation.findings.map(\.message))")
            let converted = try SalvageDamage.dump(out.path, skipCorrupt: false)
            #expect(DumpComparison.difference(actual: converted.lines, expected: salvaged.lines) == nil, "\(target)")
        }
    }
}
