import Bytes
import Foundation
@testable import SavepointKit

/// The dump of a savepoint as bytes, for the convert tests.
enum ConvertTestSupport {
    /// The dump of a savepoint as bytes (JSON Lines).
    static func dump(_ path: String) throws -> [UInt8] {
        let output = JSONLinesOutput.inMemory()
        try Dumper(savepoint: try Savepoint.open(path), filter: DumpFilter()).run(into: output)
        try output.flush()
        return output.collected
    }
}
