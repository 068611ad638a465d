import Testing
@testable import CanonicalFormat
