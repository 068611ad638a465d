import Bytes
import Compression
import Testing
@testable import CanonicalFormat

/// The canonical key-group block writer against the reader and the rules of Flink's
/// `FullSnapshotAsyncWriter.writeKVStateData`: the flag on the last entry of each state run
/// (`FullSnapshotUtil.setMetaDataFollowsFlagInKey`), the next state id or 0xFFFF after it.
@Suite struct KeyedStateStreamWriterTests {
    static let entries: [KeyedStateStreamWriter.Entry] = [
        (0, [0x05, 0x01, 0x02], [0xAA]),
        (0, [0x05, 0x01, 0x03], [0xBB, 0xCC]),
        (2, [0x05, 0x07], []),
        (3, [0x05, 0x08, 0x09], [0x2C, 0x2C]),
    ]

    @Test func blockReadsBackEntryForEntry() throws {
        let block = try KeyedStateStreamWriter.encodeBlock(Self.entries)
        var r = ByteReader(block)
        var read: [(Int, Int, [UInt8], [UInt8])] = []
        try CanonicalKeyGroupBlock.forEachEntry(in: &r, keyGroupPrefixBytes: 1, stateCount: 4) { raw in
            read.append((raw.stateIndex, raw.keyGroup, raw.keyAfterPrefix.remainingBytes, raw.value.remainingBytes))
        }
        #expect(r.isAtEnd)
        #expect(read.count == Self.entries.count)
        for (got, want) in zip(read, Self.entries) {
            #expect(got.0 == want.stateIndex)
            #expect(got.1 == 5)
            #expect(got.2 == Array(want.key.dropFirst()))
            #expect(got.3 == want.value)
        }
    }

    @Test func flagsMarkTheLastEntryOfEachStateRun() throws {
        let block = try KeyedStateStreamWriter.encodeBlock(Self.entries)
        // first state id, then entry 1: key length 3, key without flag
        #expect(Array(block[0..<2]) == [0x00, 0x00])
        #expect(Array(block[2..<9]) == [0, 0, 0, 3, 0x05, 0x01, 0x02])
        // the block ends with the end-of-key-group mark, after a flagged last key
        #expect(Array(block.suffix(2)) == [0xFF, 0xFF])
        let flagged = block.indices.filter { i in
            i + 4 < block.count && block[i..<(i + 4)].elementsEqual([0, 0, 0, 3]) && block[i + 4] == 0x85
        }
        #expect(flagged.count == 2, "entries 2 and 4 (3-byte keys ending a run) carry the flag")
    }

    @Test func keysWithTheFlagBitOrEmptyAreRefused() {
        #expect(throws: FormatError.self) { try KeyedStateStreamWriter.encodeBlock([(0, [0x85, 1], [])]) }
        #expect(throws: FormatError.self) { try KeyedStateStreamWriter.encodeBlock([(0, [], [])]) }
        // Also once sorted (the entry moves to another slot).
        var sorted = RawKeyGroup()
        for key: [UInt8] in [[0x05, 9], [0x85, 1], [0x05, 1]] { sorted.append(stateIndex: 0, key: key, value: []) }
        sorted.sortIntoCanonicalOrder()
        #expect(throws: FormatError.self) { try KeyedStateStreamWriter.encodeBlock(sorted) }
    }

    /// A group appended in order and one sorted into order (its entries gathered again) write the
    /// same block, run by run.
    @Test func sortedAndInOrderGroupsEncodeAlike() throws {
        let inOrder = try KeyedStateStreamWriter.encodeBlock(Self.entries)
        var shuffled = RawKeyGroup()
        for e in Self.entries.reversed() { shuffled.append(stateIndex: e.stateIndex, key: e.key, value: e.value) }
        shuffled.sortIntoCanonicalOrder()
        #expect(try KeyedStateStreamWriter.encodeBlock(shuffled) == inOrder)
    }

    @Test func stateIndexesBeyondSixteenBitsAreRefused() {
        #expect(throws: FormatError.self) { try KeyedStateStreamWriter.encodeBlock([(0xFFFF, [0x05], [])]) }
        #expect(throws: FormatError.self) { try KeyedStateStreamWriter.encodeBlock([(0, [0x05], []), (-1, [0x05], [])]) }
    }

    @Test func compressedBlocksAreIndependentFramedStreams() throws {
        let block = try KeyedStateStreamWriter.encodeBlock(Self.entries)
        var framed = SnappyFramedWriter()
        framed.write(block)
        let bytes = framed.finish()
        #expect(Array(bytes.prefix(SnappyFraming.streamIdentifier.count)) == SnappyFraming.streamIdentifier)
        var reader = try SnappyFramedReader(ByteReader(bytes), verifyChecksums: true, expectStreamIdentifier: true)
        #expect(try reader.readAll(limit: 1 << 20) == block)
    }
}
