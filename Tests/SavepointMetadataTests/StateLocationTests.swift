import Foundation
import Testing
@testable import SavepointMetadata

@Suite struct StateLocationTests {
    @Test func inlineBytesResolveToThemselves() throws {
        let location = StateLocation(savepointDirectory: "/nowhere/savepoint-1")
        #expect(try location.resolve(.byteStream(name: "file:/x/y", data: [1, 2])) == .inline([1, 2]))
        #expect(try location.resolve(.emptySegmentFile) == .inline([]))
    }

    @Test func relativeFilesResolveAgainstTheMetadataDirectory() throws {
        let dir = try makeTemporaryDirectory("savepoint-abc")
        defer { removeTemporaryRoot(dir) }
        let location = StateLocation(savepointDirectory: dir.appendingPathComponent("_metadata").path)
        #expect(location.metadataDirectory == dir.standardizedFileURL.path)
        let resolved = try location.resolve(.relativeFile(relativePath: "793b", size: 10))
        #expect(resolved == .file(FileRange(path: dir.standardizedFileURL.path + "/793b", offset: 0, length: 10, isWholeFile: true)))
        #expect(!location.exists(resolved))
        try touch(dir.appendingPathComponent("793b"))
        #expect(location.exists(resolved))
    }

    @Test func hostileRelativePathsAreErrors() {
        let location = StateLocation(savepointDirectory: "/sp/savepoint-1")
        for path in ["../etc/passwd", "a/../../b", "/etc/passwd", ""] {
            #expect(throws: StateLocationError.self, "\(path)") {
                try location.resolve(.relativeFile(relativePath: path, size: 1))
            }
        }
    }

    @Test func movedSavepointMapsAbsolutePathsByFileName() throws {
        let dir = try makeTemporaryDirectory("savepoint-moved")
        defer { removeTemporaryRoot(dir) }
        try touch(dir.appendingPathComponent("f77b"))
        let location = StateLocation(savepointDirectory: dir.path)
        let expected = dir.standardizedFileURL.path + "/f77b"
        for written in ["file:/tmp/gone/savepoint-xyz/f77b", "file:///tmp/gone/savepoint-xyz/f77b",
                        "/tmp/gone/savepoint-xyz/f77b", "s3://bucket/savepoints/savepoint-xyz/f77b"] {
            guard case let .file(range) = try location.resolve(.file(path: written, size: 3)) else {
                Issue.record("\(written) did not resolve to a file"); continue
            }
            #expect(range.path == expected, "\(written)")
        }
    }

    @Test func absolutePathsInsideTheDirectoryAreUsedAsWritten() throws {
        let dir = try makeTemporaryDirectory("savepoint-here")
        defer { removeTemporaryRoot(dir) }
        let inside = dir.standardizedFileURL.path + "/sub/file"
        let location = StateLocation(savepointDirectory: dir.path)
        guard case let .file(range) = try location.resolve(.file(path: "file:" + inside, size: 1)) else {
            Issue.record("expected a file"); return
        }
        #expect(range.path == inside)
    }

    @Test func existingFilesOutsideNeedPermission() throws {
        let root = try makeTemporaryDirectory("root")
        defer { removeTemporaryRoot(root) }
        let outside = root.appendingPathComponent("elsewhere/secret")
        try touch(outside)
        let savepoint = root.appendingPathComponent("savepoint-1")
        try FileManager.default.createDirectory(at: savepoint, withIntermediateDirectories: true)
        let handle = StreamStateHandle.file(path: "file:" + outside.path, size: 3)
        #expect(throws: StateLocationError.self) {
            try StateLocation(savepointDirectory: savepoint.path).resolve(handle)
        }
        let allowed = try StateLocation(savepointDirectory: savepoint.path, allowExternalPaths: true).resolve(handle)
        #expect(allowed == .file(FileRange(path: outside.standardizedFileURL.path, offset: 0, length: 3, isWholeFile: true)))
        #expect(throws: StateLocationError.self) {
            try StateLocation(savepointDirectory: savepoint.path).resolve(.file(path: "file:/a/../../etc/passwd", size: 1))
        }
    }

    @Test func retainedCheckpointMapsOntoTheJobDirectory() throws {
        let job = try makeTemporaryDirectory("2f1e0d9c8b7a")
        defer { removeTemporaryRoot(job) }
        let chk = job.appendingPathComponent("chk-12")
        try touch(chk.appendingPathComponent("_metadata"))
        try touch(chk.appendingPathComponent("exclusive-1"))
        try touch(job.appendingPathComponent("shared/sst-1"))
        try touch(job.appendingPathComponent("taskowned/owned-1"))
        let location = StateLocation(savepointDirectory: chk.path)
        let jobPath = job.standardizedFileURL.path
        #expect(location.jobDirectory == jobPath)
        let cases = [
            ("file:/old/ckp/2f1e0d9c8b7a/chk-12/exclusive-1", jobPath + "/chk-12/exclusive-1"),
            ("file:/old/ckp/2f1e0d9c8b7a/shared/sst-1", jobPath + "/shared/sst-1"),
            ("file:/old/ckp/2f1e0d9c8b7a/taskowned/owned-1", jobPath + "/taskowned/owned-1"),
        ]
        for (written, expected) in cases {
            guard case let .file(range) = try location.resolve(.file(path: written, size: 3)) else {
                Issue.record("expected a file for \(written)"); continue
            }
            #expect(range.path == expected)
            #expect(location.exists(.file(range)))
        }
    }

    @Test func segmentHandlesGiveTheirByteRange() throws {
        let job = try makeTemporaryDirectory("job-1")
        defer { removeTemporaryRoot(job) }
        let chk = job.appendingPathComponent("chk-3")
        try touch(chk.appendingPathComponent("_metadata"))
        try touch(job.appendingPathComponent("shared/seg-9"))
        let segment = SegmentFileStateHandle(
            filePath: "file:/cluster/ckp/job-1/shared/seg-9", startPosition: 512, stateSize: 64, scope: .shared, logicalFileId: "l")
        let resolved = try resolve(.segmentFile(segment), savepointDirectory: chk.path)
        #expect(resolved == .file(FileRange(
            path: job.standardizedFileURL.path + "/shared/seg-9", offset: 512, length: 64, isWholeFile: false)))
    }

    @Test func referencedStreamsReportPresentAndMissing() throws {
        let dir = try makeTemporaryDirectory("savepoint-refs")
        defer { removeTemporaryRoot(dir) }
        try touch(dir.appendingPathComponent("793b4d12-182f-4e60-8de1-2688b3c1e0b0"))
        let metadata = try CheckpointMetadata.read(from: workedExampleMetadata())
        let refs = StateLocation(savepointDirectory: dir.path).referencedStreams(of: metadata)
        #expect(refs.count == 3)
        #expect(refs.map(\.isPresent) == [true, false, true])
    }

    @Test func schemeSplitting() {
        #expect(StateLocation.splitScheme("file:/a/b") == ("file", "/a/b"))
        #expect(StateLocation.splitScheme("file:///a/b") == ("file", "/a/b"))
        #expect(StateLocation.splitScheme("file://host/a/b") == ("file", "/a/b"))
        #expect(StateLocation.splitScheme("S3://bucket/a") == ("s3", "/a"))
        #expect(StateLocation.splitScheme("/plain/path") == (nil, "/plain/path"))
        #expect(StateLocation.isCheckpointDirectoryName("chk-12"))
        #expect(!StateLocation.isCheckpointDirectoryName("chk-"))
        #expect(!StateLocation.isCheckpointDirectoryName("savepoint-1"))
    }
}
