import Testing
@testable import SavepointMetadata
