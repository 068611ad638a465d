// bench/s3's reader: every object below an S3 prefix read front to back through S3Storage (ranged
// GETs with read-ahead), in pieces as the decoders read, the way `dump` will read a savepoint in
// place. Configuration from the environment, as the AWS CLI takes it.
//   usage: s3-read s3://bucket/prefix [PIECE_BYTES]
import Bytes
import Foundation
import S3Storage
import Storage

let arguments = CommandLine.arguments
guard arguments.count >= 2, S3Path.isS3(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: s3-read s3://bucket/prefix [PIECE_BYTES]\n".utf8))
    exit(2)
}
let piece = arguments.count > 2 ? Int(arguments[2]) ?? (1 << 20) : (1 << 20)
let storage = S3Storage()

func files(below directory: String) throws -> [(String, Int)] {
    var out: [(String, Int)] = []
    for entry in try storage.list(directory) {
        let path = directory.hasSuffix("/") ? directory + entry.name : directory + "/" + entry.name
        if entry.isDirectory { out += try files(below: path) } else { out.append((path, Int(entry.size))) }
    }
    return out
}

do {
    let start = DispatchTime.now().uptimeNanoseconds
    var total = 0
    var check: UInt8 = 0
    let all = try files(below: arguments[1])
    for (path, size) in all {
        let source = try storage.source(path, offset: 0, length: size)
        var at = 0
        while at < size {
            let bytes = try source.read(at..<min(at + piece, size))
            check ^= bytes[bytes.count / 2]
            at += bytes.count
        }
        total += size
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print("\(all.count) objects, \(total) bytes in \(String(format: "%.3f", seconds)) s: "
          + "\(String(format: "%.1f", Double(total) / seconds / 1e6)) MB/s (check \(check))")
} catch {
    FileHandle.standardError.write(Data("s3-read: \(error)\n".utf8))
    exit(2)
}
