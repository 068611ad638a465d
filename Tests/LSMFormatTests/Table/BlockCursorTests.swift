import Bytes
import Testing
@testable import LSMFormat

/// What opening a table keeps of its index, `BlockBasedTable.handles(in:)` (read in place, the
/// cursor's `nextIndexHandle` for damaged blocks: keys skipped), against `nextIndexEntry` (keys
/// rebuilt), on index blocks of every encoding and on damaged ones.
struct BlockCursorTests {
    /// Handles of 300 data blocks of varying sizes, with separators that share prefixes.
    static let handles: [BlockHandle] = (0..<300).reduce(into: []) { out, i in
        let offset = out.last?.end ?? 0
        out.append(BlockHandle(offset: offset, size: UInt64(4000 + (i * 37) % 900)))
    }

    static func separator(_ i: Int) -> [UInt8] { Array("key-\(1000 + i * 7)".utf8) }

    /// An index block as `IndexBlockBuilder` writes one (delta-encoded from format_version 4).
    static func indexBlock(formatVersion: UInt32, restartInterval: Int) throws -> Block {
        var builder = IndexBlockBuilder(formatVersion: formatVersion, restartInterval: restartInterval, seekType: 1)
        for (i, handle) in handles.enumerated() {
            let key = separator(i) + [1, 0, 0, 0, 0, 0, 0, 0]
            let next = i + 1 < handles.count ? separator(i + 1) + [1, 0, 0, 0, 0, 0, 0, 0] : nil
            builder.add(lastKey: key, nextKey: next, handle: handle)
        }
        return try Block(builder.finish(), blockOffset: 0, kind: "index")
    }

    /// Handles by the cursor both ways, with the error each stopped at (nil: none); the table's
    /// (in place) must be the skipping cursor's, or its error.
    static func bothWays(_ block: Block, delta: Bool, firstKey: Bool = false)
        -> (full: [BlockHandle], fullError: String?, skipped: [BlockHandle], skippedError: String?)
    {
        defer {
            let result = Result { try BlockBasedTable.handles(in: block, delta: delta, firstKey: firstKey) }
            var cursor = block.cursor()
            let expected = Result { () throws -> [BlockHandle] in
                var handles: [BlockHandle] = []
                while let h = try cursor.nextIndexHandle(valueDeltaEncoded: delta, hasFirstKey: firstKey) { handles.append(h) }
                return handles
            }
            switch (result, expected) {
            case let (.success(a), .success(b)): #expect(a == b)
            case let (.failure(a), .failure(b)): #expect("\(a)" == "\(b)")
            default: Issue.record("the table's handles \(result) differ from the cursor's \(expected)")
            }
        }
        var full = block.cursor(), skipping = block.cursor()
        var fullHandles: [BlockHandle] = [], skippedHandles: [BlockHandle] = []
        var fullError: String?, skippedError: String?
        do {
            while let entry = try full.nextIndexEntry(valueDeltaEncoded: delta, hasFirstKey: firstKey) { fullHandles.append(entry.handle) }
        } catch { fullError = "\(error)" }
        do {
            while let handle = try skipping.nextIndexHandle(valueDeltaEncoded: delta, hasFirstKey: firstKey) { skippedHandles.append(handle) }
        } catch { skippedError = "\(error)" }
        return (fullHandles, fullError, skippedHandles, skippedError)
    }

    @Test(arguments: [(UInt32(3), 1), (3, 16), (4, 1), (5, 1), (5, 4)])
    func handlesAreTheIndexEntries(formatVersion: UInt32, restartInterval: Int) throws {
        let block = try Self.indexBlock(formatVersion: formatVersion, restartInterval: restartInterval)
        let both = Self.bothWays(block, delta: formatVersion >= 4)
        #expect(both.fullError == nil && both.skippedError == nil)
        #expect(both.full == Self.handles)
        #expect(both.skipped == Self.handles)
    }

    /// `kBinarySearchWithFirstKey`: each value ends with the block's first key, skipped too.
    @Test(arguments: [false, true])
    func firstKeysAreSkipped(delta: Bool) throws {
        var builder = BlockBuilder(restartInterval: 4, valueDeltaEncoding: delta)
        var previous: BlockHandle?
        for (i, handle) in Self.handles.prefix(40).enumerated() {
            // The full value (at restarts) and the delta one both end with the block's first key.
            let firstKey = Self.separator(i) + [UInt8(i)]
            var full = ByteWriter(capacity: 32), deltaValue = ByteWriter(capacity: 32)
            handle.write(to: &full)
            let sizeDelta = Int64(handle.size) - Int64(previous?.size ?? 0)
            deltaValue.writeVarUInt64(UInt64(bitPattern: (sizeDelta << 1) ^ (sizeDelta >> 63)))
            full.writeVarUInt32(UInt32(firstKey.count))
            full.writeBytes(firstKey)
            deltaValue.writeVarUInt32(UInt32(firstKey.count))
            deltaValue.writeBytes(firstKey)
            builder.add(Self.separator(i), full.bytes, deltaValue: delta ? deltaValue.bytes : nil)
            previous = handle
        }
        let both = Self.bothWays(try Block(builder.finish(), blockOffset: 0, kind: "index"), delta: delta, firstKey: true)
        #expect(both.fullError == nil && both.skippedError == nil)
        #expect(both.skipped == Array(Self.handles.prefix(40)))
        #expect(both.skipped == both.full)
    }

    /// Damage anywhere in the entries: both ways stop at the same entry with the same error.
    @Test(arguments: [(UInt32(3), 1), (5, 4)])
    func damageGivesTheSameError(formatVersion: UInt32, restartInterval: Int) throws {
        let good = try Self.indexBlock(formatVersion: formatVersion, restartInterval: restartInterval)
        let bytes = Array(good.contents.storage[good.contents.start..<good.contents.end])
        var failures = 0
        for at in stride(from: 0, to: good.entriesLength, by: 3) {
            for value: UInt8 in [0xFF, 0x7F, 0x00] where bytes[at] != value {
                var damaged = bytes
                damaged[at] = value
                guard let block = try? Block(damaged, blockOffset: 4096, kind: "index") else { continue }
                let both = Self.bothWays(block, delta: formatVersion >= 4)
                #expect(both.skippedError == both.fullError, "byte \(at) = \(value)")
                #expect(both.skipped == both.full, "byte \(at) = \(value)")
                if both.fullError != nil { failures += 1 }
            }
        }
        // Most single-byte damage to lengths and varints is caught (the rest changes a key or a size).
        #expect(failures > 10)
    }
}
