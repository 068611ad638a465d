import Bytes
import FlinkSerialization

/// `StateMetaInfoSnapshot`: what the backend knows about one registered state — its name, kind,
/// options and serializer snapshots. Shared by keyed and operator serialization proxies.
public struct StateMetaInfoSnapshot: Sendable, Equatable {
    /// `StateMetaInfoSnapshot.BackendStateType` ordinals.
    public enum BackendStateType: Int32, Sendable {
        case keyValue = 0, operatorList = 1, broadcast = 2, priorityQueue = 3, keyValueV2 = 4
    }

    public var name: String
    public var backendStateType: BackendStateType
    /// Options in stored order (Flink writes them from a hash map; the order is kept for round trips).
    public var options: [(key: String, value: String)]
    /// Serializer snapshots in stored order, keyed by `KEY_SERIALIZER`, `NAMESPACE_SERIALIZER`, `VALUE_SERIALIZER`.
    public var serializers: [(key: String, snapshot: SerializerSnapshot)]

    public init(name: String, backendStateType: BackendStateType,
                options: [(key: String, value: String)], serializers: [(key: String, snapshot: SerializerSnapshot)]) {
        self.name = name
        self.backendStateType = backendStateType
        self.options = options
        self.serializers = serializers
    }

    public func option(_ key: String) -> String? { options.first { $0.key == key }?.value }
    public func serializer(_ key: String) -> SerializerSnapshot? { serializers.first { $0.key == key }?.snapshot }

    public var keySerializer: SerializerSnapshot? { serializer("KEY_SERIALIZER") }
    public var namespaceSerializer: SerializerSnapshot? { serializer("NAMESPACE_SERIALIZER") }
    public var valueSerializer: SerializerSnapshot? { serializer("VALUE_SERIALIZER") }

    public static func == (a: Self, b: Self) -> Bool {
        a.name == b.name && a.backendStateType == b.backendStateType
            && a.options.elementsEqual(b.options, by: { $0.key == $1.key && $0.value == $1.value })
            && a.serializers.elementsEqual(b.serializers, by: { $0.key == $1.key && $0.snapshot == $1.snapshot })
    }
}

extension StateMetaInfoSnapshot {
    /// Reads the v6/v7 layout (`StateMetaInfoSnapshotReadersWriters`); both share these bytes.
    public static func read(from r: inout ByteReader) throws -> StateMetaInfoSnapshot {
        let name = try r.readModifiedUTF8("a state name")
        let typeAt = r.fileOffset
        let rawType = try r.readI32("a backend state type")
        guard let type = BackendStateType(rawValue: rawType) else {
            throw FormatError(offset: typeAt, "expected a backend state type 0...4 for state '\(name)', found \(rawType)")
        }
        let optionCount = try r.readCount("an option count")
        try r.require(optionCount * 4, for: "\(optionCount) options")
        var options: [(key: String, value: String)] = []
        for _ in 0..<optionCount {
            options.append((try r.readModifiedUTF8("an option key"), try r.readModifiedUTF8("an option value")))
        }
        let serializerCount = try r.readCount("a serializer count")
        try r.require(serializerCount * 6, for: "\(serializerCount) serializer snapshots")
        var serializers: [(key: String, snapshot: SerializerSnapshot)] = []
        for _ in 0..<serializerCount {
            let key = try r.readModifiedUTF8("a serializer key")
            serializers.append((key, try SerializerSnapshot.readTopLevel(from: &r)))
        }
        return StateMetaInfoSnapshot(name: name, backendStateType: type, options: options, serializers: serializers)
    }

    public func write(to w: inout ByteWriter) throws {
        try w.writeModifiedUTF8(name)
        w.writeI32(backendStateType.rawValue)
        w.writeCount(options.count)
        for (k, v) in options {
            try w.writeModifiedUTF8(k)
            try w.writeModifiedUTF8(v)
        }
        w.writeCount(serializers.count)
        for (k, s) in serializers {
            try w.writeModifiedUTF8(k)
            try s.writeTopLevel(to: &w)
        }
    }
}
