import Testing
@testable import FlinkSerialization
