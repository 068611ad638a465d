#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Bytes

@Suite struct XXHashTests {
    // Published values (xxHash README / spec, Wikipedia) for the empty string and "abc".
    @Test func publishedVectors() {
        #expect(XXHash.xxh32([]) == 0x02CC_5D05)
        #expect(XXHash.xxh64([]) == 0xEF46_DB37_51D8_E999)
        #expect(XXHash.xxh3_64([]) == 0x2D06_8005_38D3_94C2)
        let abc = Array("abc".utf8)
        #expect(XXHash.xxh32(abc) == 0x32D1_53FF)
        #expect(XXHash.xxh64(abc) == 0x44BC_2CF5_AD77_0999)
        #expect(XXHash.xxh3_64(abc) == 0x78AF_5F94_892F_3950)
    }

    /// Every XXH3 length class (and XXH32/XXH64 tails) against the system libxxhash, when present.
    @Test(.enabled(if: SystemXXHash() != nil, "libxxhash.so.0 is not installed"))
    func matchesSystemLibraryOnAllLengthClasses() throws {
        let library = try #require(SystemXXHash())
        var data = [UInt8]()
        var x: UInt64 = 0x1234_5678_9ABC_DEF1
        for _ in 0..<4200 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            data.append(UInt8(truncatingIfNeeded: x))
        }
        let lengths = Array(0...260) + [1023, 1024, 1025, 2047, 2048, 2049, 4096, 4200]
        for n in lengths {
            let slice = Array(data.prefix(n))
            #expect(XXHash.xxh3_64(slice) == library.xxh3(slice), "XXH3 length \(n)")
            #expect(XXHash.xxh64(slice) == library.xxh64(slice), "XXH64 length \(n)")
            #expect(XXHash.xxh32(slice) == library.xxh32(slice), "XXH32 length \(n)")
        }
    }
}

/// libxxhash loaded at run time (no build dependency), as an independent oracle.
struct SystemXXHash {
    typealias H3 = @convention(c) (UnsafeRawPointer?, Int) -> UInt64
    typealias H64 = @convention(c) (UnsafeRawPointer?, Int, UInt64) -> UInt64
    typealias H32 = @convention(c) (UnsafeRawPointer?, Int, UInt32) -> UInt32
    let h3: H3, h64: H64, h32: H32

    init?() {
        guard let handle = dlopen("libxxhash.so.0", RTLD_NOW),
              let a = dlsym(handle, "XXH3_64bits"), let b = dlsym(handle, "XXH64"),
              let c = dlsym(handle, "XXH32") else { return nil }
        h3 = unsafeBitCast(a, to: H3.self)
        h64 = unsafeBitCast(b, to: H64.self)
        h32 = unsafeBitCast(c, to: H32.self)
    }

    func xxh3(_ d: [UInt8]) -> UInt64 { d.withUnsafeBytes { h3($0.baseAddress, $0.count) } }
    func xxh64(_ d: [UInt8]) -> UInt64 { d.withUnsafeBytes { h64($0.baseAddress, $0.count, 0) } }
    func xxh32(_ d: [UInt8]) -> UInt32 { d.withUnsafeBytes { h32($0.baseAddress, $0.count, 0) } }
}
