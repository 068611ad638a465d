import Bytes
import Foundation
import Testing
@testable import SavepointMetadata

/// Hand-encoding of Java serialization streams from the grammar (Object Serialization Spec §6.4),
/// independent of the reader, for shapes the real trailers do not contain.
private struct JavaStreamEncoder {
    var w = ByteWriter()
    var bytes: [UInt8] { w.bytes }

    init(header: Bool = true) { if header { w.writeU16(0xACED); w.writeU16(5) } }

    mutating func u8(_ v: UInt8) { w.writeU8(v) }
    mutating func i32(_ v: Int32) { w.writeI32(v) }
    mutating func i64(_ v: Int64) { w.writeI64(v) }
    mutating func utf(_ s: String) { try! w.writeModifiedUTF8(s) }
    mutating func string(_ s: String) { u8(0x74); utf(s) }
    mutating func reference(_ handle: Int) { u8(0x71); i32(Int32(0x7E_0000 + handle)) }
    mutating func endBlock() { u8(0x78) }

    /// `TC_CLASSDESC name suid flags fields (no annotation)`; the caller writes the superclass.
    mutating func classDesc(_ name: String, suid: Int64 = 1, flags: UInt8 = 0x02, fields: [(UInt8, String, String?)] = []) {
        u8(0x72); utf(name); i64(suid); u8(flags)
        w.writeU16(UInt16(fields.count))
        for (code, fieldName, signature) in fields {
            u8(code); utf(fieldName)
            if let signature { string(signature) }
        }
        endBlock()
    }
}

private let objectArray = "[Ljava.lang.Object;"

@Suite struct JavaSerializationStreamTests {
    static let files = fixtureMetadataFiles()

    /// The trailers of every V4+ fixture, as the metadata reader keeps them.
    static func fixtureTrailers() throws -> [(URL, [UInt8])] {
        try files.compactMap { url in
            let metadata = try CheckpointMetadata.read(from: readFile(url))
            return metadata.checkpointProperties.map { (url, $0) }
        }
    }

    // MARK: real trailers

    @Test func documentedConstantIsACanonicalSavepoint() throws {
        let stream = try JavaSerializationStream.read(canonicalSavepointProperties)
        let summary = try #require(CheckpointPropertiesSummary(stream))
        #expect(summary.savepointFormatType == "CANONICAL")
        #expect(summary.checkpointTypeName == "Savepoint")
        #expect(summary.checkpointTypeClass == "org.apache.flink.runtime.checkpoint.SavepointType")
        #expect(summary.isSavepoint)
        #expect(summary.booleanFields == [
            "discardCancelled": false, "discardFailed": false, "discardFinished": false,
            "discardSubsumed": false, "discardSuspended": false, "forced": true, "unclaimed": false,
        ])
        // The PostCheckpointAction enum's superclass is a back reference to java.lang.Enum.
        guard case .object(let properties) = stream.root,
              case .object(let type) = try #require(properties.field("checkpointType")) else {
            Issue.record("expected CheckpointProperties with a SavepointType object"); return
        }
        #expect(type.field("postCheckpointAction") == .enumConstant(
            className: "org.apache.flink.runtime.checkpoint.SavepointType$PostCheckpointAction", name: "NONE"))
    }

    @Test func nativeVariantOfTheConstant() throws {
        var bytes = canonicalSavepointProperties
        let canonical: [UInt8] = [0x00, 0x09] + Array("CANONICAL".utf8)
        let start = try #require(bytes.firstRange(of: canonical))
        bytes.replaceSubrange(start, with: [0x00, 0x06] + Array("NATIVE".utf8))
        let summary = try #require(CheckpointPropertiesSummary(try JavaSerializationStream.read(bytes)))
        #expect(summary.savepointFormatType == "NATIVE")
    }

    /// Format and type follow the fixture's directory: `*native*` savepoints are NATIVE, `checkpoint/`
    /// holds a retained checkpoint, everything else is a canonical savepoint.
    @Test(.enabled(if: !files.isEmpty, "no fixtures generated yet"), arguments: files)
    func everyFixtureTrailerValidates(_ file: URL) throws {
        let metadata = try CheckpointMetadata.read(from: readFile(file))
        guard metadata.version >= 4 else { return }
        let summary = try #require(try metadata.checkpointPropertiesSummary(), "\(file.path)")
        if file.pathComponents.contains("checkpoint") {
            #expect(!summary.isSavepoint, "\(file.path)")
            #expect(summary.checkpointTypeName == "Checkpoint", "\(file.path)")
            #expect(summary.savepointFormatType == nil, "\(file.path)")
        } else {
            let native = file.pathComponents.contains { $0.contains("native") }
            #expect(summary.isSavepoint, "\(file.path)")
            #expect(summary.forced == true, "\(file.path)")
            #expect(summary.savepointFormatType == (native ? "NATIVE" : "CANONICAL"), "\(file.path)")
        }
    }

    // MARK: truncation, trailing bytes, flips

    @Test func everyTruncationOfARealTrailerIsRejected() throws {
        var trailers = [canonicalSavepointProperties]
        for (_, trailer) in try Self.fixtureTrailers() where !trailers.contains(trailer) { trailers.append(trailer) }
        for trailer in trailers {
            for cut in 0..<trailer.count {
                do {
                    _ = try JavaSerializationStream.read(Array(trailer[..<cut]), baseOffset: 1000)
                    Issue.record("a trailer cut at \(cut) of \(trailer.count) was accepted")
                } catch let error as FormatError {
                    #expect((1000...(1000 + cut)).contains(error.offset), "cut at \(cut): \(error)")
                }
            }
        }
    }

    /// A `_metadata` cut inside its trailer is refused, with an offset inside the trailer.
    @Test(.enabled(if: !files.isEmpty, "no fixtures generated yet"), arguments: files)
    func metadataCutInsideTheTrailerIsRejected(_ file: URL) throws {
        let bytes = try readFile(file)
        // Large files only slow this down: their trailers are covered by the trailer-level tests.
        guard bytes.count <= 16 * 1024,
              let trailer = try CheckpointMetadata.read(from: bytes).checkpointProperties else { return }
        let bodyEnd = bytes.count - trailer.count
        for cut in stride(from: bodyEnd, to: bytes.count, by: 7) {
            let error = try #require(throws: FormatError.self, "cut at \(cut)") {
                try CheckpointMetadata.read(from: Array(bytes[..<cut]))
            }
            #expect(error.offset >= bodyEnd && error.offset <= cut, "cut at \(cut): \(error)")
        }
    }

    @Test func trailingBytesAreRejected() throws {
        let trailer = canonicalSavepointProperties
        for extra: [UInt8] in [[0x00], [0x70], [0x78], trailer] {
            let error = try #require(throws: FormatError.self) {
                try JavaSerializationStream.read(trailer + extra)
            }
            #expect(error.offset == trailer.count)
            #expect(error.message.contains("end of the Java serialization stream"))
        }
        let metadata = workedExampleMetadata()
        let error = try #require(throws: FormatError.self) { try CheckpointMetadata.read(from: metadata + [0x70]) }
        #expect(error.offset == metadata.count)
    }

    @Test func flippedBytesNeverCrash() throws {
        let trailer = canonicalSavepointProperties
        var accepted = 0
        for i in trailer.indices {
            for replacement: UInt8 in [trailer[i] ^ 0xFF, trailer[i] &+ 1, trailer[i] &- 1, 0x00, 0x71, 0x7F, 0x80] where replacement != trailer[i] {
                var mutated = trailer
                mutated[i] = replacement
                do {
                    _ = try JavaSerializationStream.read(mutated)
                    accepted += 1
                } catch let error as FormatError {
                    #expect(error.offset >= 0 && error.offset <= mutated.count)
                } catch {
                    Issue.record("byte \(i) = \(replacement): unexpected error \(error)")
                }
            }
        }
        // Flips inside names and primitive values stay well formed; structural ones do not.
        #expect(accepted > 0 && accepted < trailer.count * 7)
    }

    @Test(.enabled(if: !files.isEmpty, "no fixtures generated yet"), arguments: files)
    func flippedTrailerBytesThrowOrRoundTrip(_ file: URL) throws {
        let bytes = try readFile(file)
        // Large files only slow this down: their trailers are covered by the trailer-level tests.
        guard bytes.count <= 16 * 1024,
              let trailer = try CheckpointMetadata.read(from: bytes).checkpointProperties else { return }
        for i in (bytes.count - trailer.count)..<bytes.count {
            var mutated = bytes
            mutated[i] ^= 0xFF
            if let metadata = try? CheckpointMetadata.read(from: mutated) {
                #expect(try metadata.serialized() == mutated, "flip at \(i) parsed but did not round-trip")
            }
        }
    }

    // MARK: grammar errors

    @Test func headerAndTypeCodesAreChecked() throws {
        var bytes = canonicalSavepointProperties
        bytes[1] = 0xEE
        #expect(try #require(throws: FormatError.self) { try JavaSerializationStream.read(bytes) }.offset == 0)
        bytes = canonicalSavepointProperties
        bytes[3] = 4
        #expect(try #require(throws: FormatError.self) { try JavaSerializationStream.read(bytes) }.offset == 2)
        bytes = canonicalSavepointProperties
        bytes[4] = 0x6F
        let error = try #require(throws: FormatError.self) { try JavaSerializationStream.read(bytes) }
        #expect(error.offset == 4)
        #expect(error.message.contains("unknown type code 0x6f"))
        for code: UInt8 in [0x79, 0x7B, 0x77, 0x78] {
            bytes[4] = code
            #expect(throws: FormatError.self) { try JavaSerializationStream.read(bytes) }
        }
    }

    @Test func backReferencesMustExistAndHaveTheRightKind() throws {
        var e = JavaStreamEncoder()
        e.u8(0x73); e.reference(0)                       // no handle assigned yet
        let error = try #require(throws: FormatError.self) { try JavaSerializationStream.read(e.bytes) }
        #expect(error.offset == 6)
        #expect(error.message.contains("0x7e0000"))

        var s = JavaStreamEncoder()
        s.u8(0x75); s.classDesc(objectArray); s.u8(0x70); s.i32(2)
        s.string("x")                                     // handle 2
        s.u8(0x73); s.reference(2)                        // a string is not a class descriptor
        let kind = try #require(throws: FormatError.self) { try JavaSerializationStream.read(s.bytes) }
        #expect(kind.message.contains("class descriptor"))
    }

    @Test func descriptorFlagsAreChecked() throws {
        var e = JavaStreamEncoder()
        e.u8(0x73); e.classDesc("Both", flags: 0x06); e.u8(0x70)
        #expect(throws: FormatError.self) { try JavaSerializationStream.read(e.bytes) }
        var en = JavaStreamEncoder()
        en.u8(0x7E); en.classDesc("E", suid: 5, flags: 0x12); en.u8(0x70); en.string("A")
        #expect(throws: FormatError.self) { try JavaSerializationStream.read(en.bytes) }
        var ok = JavaStreamEncoder()
        ok.u8(0x7E); ok.classDesc("E", suid: 0, flags: 0x12); ok.u8(0x70); ok.string("A")
        #expect(try JavaSerializationStream.read(ok.bytes).root == .enumConstant(className: "E", name: "A"))
        var notEnum = JavaStreamEncoder()
        notEnum.u8(0x7E); notEnum.classDesc("E", suid: 0, flags: 0x02); notEnum.u8(0x70); notEnum.string("A")
        #expect(throws: FormatError.self) { try JavaSerializationStream.read(notEnum.bytes) }
    }

    @Test func untrustedLengthsAreCheckedBeforeUse() throws {
        var long = JavaStreamEncoder()
        long.u8(0x7C); long.i64(1 << 62)
        #expect(throws: FormatError.self) { try JavaSerializationStream.read(long.bytes) }
        var negative = JavaStreamEncoder()
        negative.u8(0x7C); negative.i64(-1)
        #expect(throws: FormatError.self) { try JavaSerializationStream.read(negative.bytes) }
        for (name, count) in [("[J", Int32.max), (objectArray, Int32.max), ("[I", -1)] {
            var array = JavaStreamEncoder()
            array.u8(0x75); array.classDesc(name); array.u8(0x70); array.i32(count)
            #expect(throws: FormatError.self, "\(name) × \(count)") { try JavaSerializationStream.read(array.bytes) }
        }
        var fields = JavaStreamEncoder()
        fields.u8(0x73); fields.u8(0x72); fields.utf("C"); fields.i64(1); fields.u8(2); fields.w.writeU16(0xFFFF)
        #expect(throws: FormatError.self) { try JavaSerializationStream.read(fields.bytes) }
    }

    @Test func nestingIsBounded() throws {
        func nestedArrays(_ levels: Int) -> [UInt8] {
            var e = JavaStreamEncoder()
            e.u8(0x75); e.classDesc(objectArray); e.u8(0x70); e.i32(1)
            for _ in 1..<levels { e.u8(0x75); e.reference(0); e.i32(1) }
            e.u8(0x70)
            return e.bytes
        }
        let shallow = try JavaSerializationStream.read(nestedArrays(10))
        #expect(shallow.root == .array(className: objectArray, count: 1))
        let error = try #require(throws: FormatError.self) { try JavaSerializationStream.read(nestedArrays(200)) }
        #expect(error.message.contains("deeper than 64"))

        // A superclass chain built from back references does not recurse, but is bounded too.
        var chain = JavaStreamEncoder()
        // An Object[] whose elements are descriptors, each the superclass of the next (handles 2, 3, …).
        chain.u8(0x75); chain.classDesc(objectArray); chain.u8(0x70); chain.i32(101)
        chain.classDesc("C0"); chain.u8(0x70)
        for level in 1...100 { chain.classDesc("C\(level)"); chain.reference(level + 1) }
        let deep = try #require(throws: FormatError.self) { try JavaSerializationStream.read(chain.bytes) }
        #expect(deep.message.contains("superclasses"))
    }

    @Test func descriptorCannotBeItsOwnSuperclass() throws {
        var e = JavaStreamEncoder()
        e.u8(0x73); e.classDesc("Loop"); e.reference(0)
        #expect(throws: FormatError.self) { try JavaSerializationStream.read(e.bytes) }
    }

    // MARK: shapes beyond the real trailers

    /// `java.util.ArrayList` of two equal strings: primitive field, writeObject annotation with
    /// block data, back reference to a string, then a primitive array and a `Class` in a wrapper.
    @Test func writeObjectAnnotationsArraysAndReferences() throws {
        var e = JavaStreamEncoder()
        e.u8(0x73)
        e.classDesc("Holder", fields: [(UInt8(ascii: "J"), "id", nil), (UInt8(ascii: "L"), "list", "Ljava/util/List;"),
                                       (UInt8(ascii: "["), "ints", "[I"), (UInt8(ascii: "L"), "type", "Ljava/lang/Class;")])
        e.u8(0x70)                                         // handles: 0 Holder, 1 "Ljava/util/List;", 2 "[I", 3 "Ljava…Class;"
        e.i64(42)                                          // 4 = Holder object
        e.u8(0x73); e.classDesc("java.util.ArrayList", flags: 0x03, fields: [(UInt8(ascii: "I"), "size", nil)]); e.u8(0x70)
        e.i32(2)                                           // 5 ArrayList desc, 6 list object
        e.u8(0x77); e.u8(4); e.i32(2)                      // capacity in block data
        e.string("same")                                   // 7
        e.reference(7)
        e.endBlock()
        e.u8(0x75); e.classDesc("[I", flags: 0x02); e.u8(0x70); e.i32(3); e.i32(1); e.i32(2); e.i32(3)
        e.u8(0x76); e.u8(0x7D); e.i32(1); e.utf("java.lang.Runnable"); e.endBlock(); e.u8(0x70)
        let stream = try JavaSerializationStream.read(e.bytes)
        guard case .object(let holder) = stream.root else { Issue.record("expected an object"); return }
        #expect(holder.fields.map(\.name) == ["id", "list", "ints", "type"])
        #expect(holder.field("id") == .primitive(.long(42)))
        #expect(holder.field("ints") == .array(className: "[I", count: 3))
        #expect(holder.field("type") == .classObject("Proxy(java.lang.Runnable)"))
        guard case .object(let list) = try #require(holder.field("list")) else { Issue.record("expected a list"); return }
        #expect(list.field("size") == .primitive(.int(2)))
        #expect(stream.resolve(.reference(7)) == .string("same"))
        // Without the end of its annotation the list never ends.
        let cut = e.bytes.firstRange(of: [0x71, 0x00, 0x7E, 0x00, 0x07, 0x78])!
        var broken = e.bytes
        broken.remove(at: cut.upperBound - 1)
        #expect(throws: FormatError.self) { try JavaSerializationStream.read(broken) }
    }

    @Test func blockDataIsOnlyAllowedInAnnotations() throws {
        var e = JavaStreamEncoder()
        e.u8(0x77); e.u8(1); e.u8(0)
        #expect(throws: FormatError.self) { try JavaSerializationStream.read(e.bytes) }
    }

    @Test func summaryNeedsCheckpointProperties() throws {
        #expect(CheckpointPropertiesSummary(try JavaSerializationStream.read([0xAC, 0xED, 0x00, 0x05, 0x70])) == nil)
        var e = JavaStreamEncoder()
        e.string("org.apache.flink.runtime.checkpoint.CheckpointProperties")
        #expect(CheckpointPropertiesSummary(try JavaSerializationStream.read(e.bytes)) == nil)
        #expect(try CheckpointMetadata(version: 3, checkpointId: 1).checkpointPropertiesSummary() == nil)
    }
}
