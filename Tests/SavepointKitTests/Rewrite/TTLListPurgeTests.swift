import Bytes
import CanonicalFormat
import FlinkSerialization
import Foundation
@testable import SavepointKit
import SavepointMetadata
import SavepointTestSupport
import Testing

/// `--purge-expired-ttl` on list state (`TtlListState`: every element carries its last-access
/// timestamp): the expired elements leave the list, the entry leaves with its last one, and lists
/// with nothing due pass byte for byte. No fixture job has a TTL list, so the state is the basic
/// fixture's list state `events` with its elements wrapped as the types fixture's TTL value state
/// (`TtlSerializer` of a timestamp and a `String`), and the lists are written by that serializer.
@Suite struct TTLListPurgeTests {
    static func proxy(_ shape: String) throws -> KeyedBackendSerializationProxy {
        let fixture = try #require(Fixture.all.first { $0.form == "filesystem" && $0.directory.path.contains("/2.3.0/\(shape)/") })
        let savepoint = try Savepoint.open(fixture.savepointPath)
        let op = try #require(savepoint.metadata.operatorStates.first { $0.uid == (shape == "basic" ? "counter" : "types") })
        let keyed = try #require(op.subtaskStates.lazy.compactMap(\.state?.managedKeyedState).first)
        return try KeyedStateHeader.read(keyed, of: op, in: savepoint).proxy
    }

    /// The basic fixture's proxy with `events` a list of TTL strings; its index and the element serializer.
    static func ttlListProxy() throws -> (KeyedBackendSerializationProxy, Int, TtlSerializer) {
        var proxy = try proxy("basic")
        let ttlValue = try #require(try Self.proxy("types").states.first { $0.name == "ttlValue" }?.valueSerializer)
        let index = try #require(proxy.states.firstIndex { $0.name == "events" })
        var meta = proxy.states[index]
        let at = try #require(meta.serializers.firstIndex { $0.key == "VALUE_SERIALIZER" })
        guard case var .composite(list) = meta.serializers[at].snapshot.payload else {
            Issue.record("events' serializer is not a list serializer")
            throw CancellationError()
        }
        list.nested = [ttlValue]
        meta.serializers[at].snapshot.payload = .composite(list)
        proxy.states[index] = meta
        let schema = KeyedStateSchema(metaInfo: meta, keySerializer: proxy.keySerializer)
        try #require(schema.kind == .list)
        return (proxy, index, try #require(schema.elementSerializer as? TtlSerializer))
    }

    /// A list value as `ListDelimitedSerializer` writes it: elements joined by 0x2C.
    static func list(_ elements: [(Int64, String)], _ element: TtlSerializer) throws -> [UInt8] {
        var w = ByteWriter()
        for (k, (timestamp, text)) in elements.enumerated() {
            if k > 0 { w.writeU8(KeyedStateSchema.listDelimiter) }
            try element.write(.ttl(timestamp: timestamp, value: .string(text)), to: &w)
        }
        return w.bytes
    }

    struct ArrayReader: RawKeyedStateReader {
        let proxy: KeyedBackendSerializationProxy
        let groups: [RawKeyGroup]
        var keyGroupRange: KeyGroupRange { KeyGroupRange(startKeyGroup: 0, endKeyGroup: 127) }
        var maxParallelism: Int { 128 }
        func forEachKeyGroup(_ body: (RawKeyGroup) throws -> Void) throws { for g in groups { try body(g) } }
    }

    @Test func expiredElementsLeaveTheListAndEmptyListsTheirEntry() throws {
        let (proxy, events, element) = try Self.ttlListProxy()
        let day: Int64 = 86_400_000
        let lists: [(key: UInt8, elements: [(Int64, String)])] = [
            (1, [(100, "old"), (5 * day, "new"), (200, "older"), (6 * day, "newest")]),   // two of four due
            (2, [(100, "a"), (200, "b")]),                                                 // all due: the entry goes
            (3, [(7 * day, "fresh")]),                                                     // nothing due: unchanged
        ]
        var entries: [RawKeyedEntry] = []
        for (key, elements) in lists {
            // Key-group prefix, then a key and namespace as bytes (the stage reads values only).
            entries.append(RawKeyedEntry(stateIndex: events, key: [0, 0x00, 0x01, key, 0x00], value: try Self.list(elements, element)))
        }
        let untouched = RawKeyedEntry(stateIndex: events == 0 ? 1 : 0, key: [0, 9], value: [1, 2, 3])
        let reader = ArrayReader(proxy: proxy, groups: [RawKeyGroup(0, (entries + [untouched]).sorted(by: RawKeyedEntry.canonicalOrder))])
        let tally = EntryTally()
        let stage = TTLPurgeStage(ttl: ["events": day], now: 4 * day)
        let staged = try StagedReader(base: reader, stages: [stage], tally: tally)
        var out: [RawKeyedEntry] = []
        try staged.forEachKeyGroup { out += $0.rawEntries }
        #expect(out.sorted(by: RawKeyedEntry.canonicalOrder) == [
            RawKeyedEntry(stateIndex: events, key: entries[0].key, value: try Self.list([(5 * day, "new"), (6 * day, "newest")], element)),
            entries[2], untouched,
        ].sorted(by: RawKeyedEntry.canonicalOrder))
        #expect(tally.read["events"] == 3 && tally.kept["events"] == 2)
        #expect(stage.elementsDropped.byState == ["events": 4], "two of the first list, both of the second")
    }

    @Test func nothingDueLeavesEveryListAndEverythingDueNone() throws {
        let (proxy, events, element) = try Self.ttlListProxy()
        let value = try Self.list([(1000, "x"), (2000, "y"), (3000, "z")], element)
        let reader = ArrayReader(proxy: proxy, groups: [RawKeyGroup(5, [RawKeyedEntry(stateIndex: events, key: [5, 7], value: value)])])
        func purge(now: Int64) throws -> [RawKeyedEntry] {
            var out: [RawKeyedEntry] = []
            try StagedReader(base: reader, stages: [TTLPurgeStage(ttl: ["events": 10], now: now)]).forEachKeyGroup { out += $0.rawEntries }
            return out
        }
        #expect(try purge(now: 1009).map(\.value) == [value])
        #expect(try purge(now: 2010).map(\.value) == [try Self.list([(3000, "z")], element)])
        #expect(try purge(now: 3010).isEmpty)
        // Ends that do not read as TTL elements are an error, not a guess.
        var broken = value
        broken[8 + 2] = 0x00   // the first delimiter, after a timestamp and "x" (length + 1, then the char)
        #expect { try broken.withUnsafeBufferPointer { try TTLPurgeStage.unexpired($0, element, state: "events") { _ in true } } } throws: {
            "\($0)".contains("expected the list delimiter 0x2C between elements of state events, found 0x0")
        }
    }

    /// The plan accepts a list of TTL elements (it used to refuse it as not built).
    @Test func layoutOfATTLListIsAList() throws {
        let (proxy, events, _) = try Self.ttlListProxy()
        guard case .list? = try TTLPurgeStage.layout(of: proxy.states[events], keySerializer: proxy.keySerializer) else {
            Issue.record("not a list layout")
            return
        }
        #expect(try TTLPurgeStage.layout(of: try Self.proxy("basic").states[events], keySerializer: proxy.keySerializer) == nil)
    }
}
