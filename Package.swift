// swift-tools-version:6.0
import PackageDescription

// Modules, lowest first; each depends only on those above it:
//   Bytes, Compression (+ C shims) -> FlinkSerialization, Storage (local files; S3 in its own
//   module) -> SavepointMetadata, CanonicalFormat -> LSMFormat (RocksDB files, and Flink's state
//   layout in them)
//   -> SavepointKit (operations) -> SavepointCLI (the `savepoint` binary).
let package = Package(
    name: "savepoint",
    products: [
        .executable(name: "savepoint", targets: ["SavepointCLI"]),
        // bench/s3: every object below an S3 prefix read through S3Storage.
        .executable(name: "s3-read", targets: ["S3Read"]),
        .library(name: "SavepointKit", targets: ["SavepointKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // S3Storage only: HTTP for the S3 client, HMAC-SHA256 for its SigV4 signatures.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
    ],
    targets: [
        .systemLibrary(name: "CSnappy", path: "Sources/CSnappy", pkgConfig: "snappy",
                       providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4", pkgConfig: "liblz4",
                       providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .target(name: "Bytes"),
        .target(name: "Compression", dependencies: ["Bytes", "CSnappy", "CLZ4", "CZstd"]),
        .target(name: "FlinkSerialization", dependencies: ["Bytes"]),
        // One protocol for the files of a savepoint wherever they live (local, S3).
        .target(name: "Storage", dependencies: ["Bytes"]),
        // Storage on S3 (and S3-compatible servers): a small SigV4 client over async-http-client.
        .target(name: "S3Storage", dependencies: [
            "Storage", "Bytes",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        .target(name: "SavepointMetadata", dependencies: ["Bytes", "Storage"]),
        .target(name: "CanonicalFormat", dependencies: ["Bytes", "Compression", "FlinkSerialization"]),
        .target(name: "LSMFormat", dependencies: ["Bytes", "Compression", "FlinkSerialization", "CanonicalFormat", "Storage"]),
        .target(name: "SavepointKit", dependencies: [
            "Bytes", "Compression", "FlinkSerialization", "SavepointMetadata", "CanonicalFormat",
            "LSMFormat", "Storage",
        ]),
        .executableTarget(name: "SavepointCLI", dependencies: [
            "SavepointKit", "SavepointMetadata", "FlinkSerialization", "Storage", "S3Storage",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "S3Read", dependencies: ["S3Storage", "Storage", "Bytes"], path: "bench/S3Read"),
        // libFuzzer targets over every reader (scripts/fuzz); a corpus replayer when built normally.
        .executableTarget(name: "SavepointFuzz", dependencies: [
            "Bytes", "Compression", "FlinkSerialization", "SavepointMetadata", "CanonicalFormat", "LSMFormat",
        ]),
        .testTarget(name: "BytesTests", dependencies: ["Bytes"]),
        .testTarget(name: "CompressionTests", dependencies: ["Compression"]),
        .testTarget(name: "FlinkSerializationTests", dependencies: ["FlinkSerialization"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
        .testTarget(name: "SavepointMetadataTests", dependencies: ["SavepointMetadata"]),
        .testTarget(name: "CanonicalFormatTests", dependencies: ["CanonicalFormat"]),
        .testTarget(name: "LSMFormatTests", dependencies: ["LSMFormat"]),
        // Against moto's S3 server on loopback, started by the tests (Tests/SavepointTestSupport/MotoServer.swift).
        .testTarget(name: "S3StorageTests", dependencies: ["S3Storage", "Storage", "Bytes", "SavepointTestSupport"]),
        // Fixtures written by real Flink, dump comparison and scratch directories, shared by the tests.
        .target(name: "SavepointTestSupport", dependencies: ["SavepointKit"], path: "Tests/SavepointTestSupport"),
        .testTarget(name: "SavepointKitTests", dependencies: ["SavepointKit", "SavepointTestSupport", "Storage"]),
        // The `savepoint` binary as a user runs it (built with the tests, found beside them).
        .testTarget(name: "SavepointCLITests", dependencies: ["SavepointTestSupport"]),
    ]
)
