import Testing
@testable import SavepointKit
