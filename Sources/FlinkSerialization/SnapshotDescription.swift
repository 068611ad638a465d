extension SerializerSnapshot {
    /// Human-readable type, for `inspect`: "String", "Long", "List<String>", "Map<String, Long>",
    /// "Tuple2<String, Long>", "Row(f0: Integer, f1: String)", "POJO com.example.Order{id: Long, …}",
    /// "Enum com.example.Color", "Kryo com.example.Thing", "TTL<Long>", "TimeWindow", "VoidNamespace", …
    public var typeDescription: String {
        switch payload {
        case .composite(let c): return c.typeDescription
        case .pojo(let p):
            let fields = p.fields.map { "\($0.name): \($0.snapshot?.typeDescription ?? "?")" }
            return "POJO \(p.pojoClassName){\(fields.joined(separator: ", "))}"
        case .enumeration(let cls, _): return "Enum \(cls)"
        case .kryo(let k): return "Kryo \(k.typeClassName)"
        case .typeClass(let name): return "Value \(name)"
        case .avro(let strings): return "Avro \(strings.count > 1 ? strings[0] : "record")"
        case .ttlAware(_, let inner): return inner.typeDescription
        case .empty, .legacySerializerClass:
            if case .simple(let type)? = layout { return type.rawValue }
            return className
        }
    }
}

extension CompositeSnapshot {
    var typeDescription: String {
        let d = nested.map(\.typeDescription)
        func at(_ i: Int) -> String { i < d.count ? d[i] : "?" }
        switch type {
        case .list, .arrayList: return "List<\(at(0))>"
        case .set: return "Set<\(at(0))>"
        case .map: return "Map<\(at(0)), \(at(1))>"
        case .genericArray: return "\(at(0))[]"
        case .tuple: return "Tuple\(d.count)<\(d.joined(separator: ", "))>"
        case .row:
            let fields = d.enumerated().map { "f\($0.offset): \($0.element)" }
            return "Row(\(fields.joined(separator: ", ")))"
        case .nullable: return "Nullable<\(at(0))>"
        case .ttl: return "TTL<\(at(1))>"
        case .timer: return "Timer<\(at(0)), \(at(1))>"
        case .either: return "Either<\(at(0)), \(at(1))>"
        case .bufferEntry: return "BufferEntry<\(at(0))>"
        case .streamElement: return "StreamElement<\(at(0))>"
        case .taggedUnion: return "TaggedUnion<\(d.joined(separator: ", "))>"
        }
    }
}
