import Testing
@testable import LSMFormat
