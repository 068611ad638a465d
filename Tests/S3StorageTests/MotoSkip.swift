import SavepointTestSupport
import XCTest

extension MotoServer {
    /// moto started on loopback, or the test skipped where moto is not installed.
    static func startedOrSkipped(environment: [String: String] = [:]) throws -> MotoServer {
        guard isInstalled else { throw XCTSkip(notInstalled.message) }
        return try MotoServer(environment: environment)
    }
}
