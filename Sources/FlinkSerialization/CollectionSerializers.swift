import Bytes

/// `ListSerializer` / `ArrayListSerializer` (a `List` value, not list state): i32 size, then the
/// elements with no null flags. `SetSerializer` (2.x) and `GenericArraySerializer` add a flag per
/// element (Set: `true` = null; generic array: `true` = present).
public struct ListSerializer: TypeSerializer {
    public enum NullFlags: Sendable { case none, trueMeansNull, trueMeansPresent }

    public let element: any TypeSerializer
    public let nullFlags: NullFlags

    public init(element: any TypeSerializer, nullFlags: NullFlags = .none) {
        self.element = element
        self.nullFlags = nullFlags
    }

    public var readsToEnd: Bool { element.readsToEnd }
    public var flinkLength: Int { -1 }

    public func read(from r: inout ByteReader) throws -> Value {
        let count = try r.readCount("a collection size")
        // Every element (or its null flag) takes at least one byte.
        try r.require(count, for: "a collection of \(count) elements")
        var items = [Value]()
        items.reserveCapacity(count)
        for _ in 0..<count {
            if nullFlags != .none {
                let flag = try r.readBool("an element null flag")
                if flag == (nullFlags == .trueMeansNull) { items.append(.null); continue }
            }
            items.append(try element.read(from: &r))
        }
        return .list(items)
    }

    public func write(_ value: Value, to w: inout ByteWriter) throws {
        guard case .list(let items) = value else { throw mismatch(value, expected: "List", at: w) }
        w.writeCount(items.count)
        for item in items {
            if nullFlags != .none {
                let isNull = item == .null
                w.writeBool(isNull == (nullFlags == .trueMeansNull))
                if isNull { continue }
            }
            try element.write(item, to: &w)
        }
    }

    /// `java.util.List.hashCode()`: `31 * h + e.hashCode()` from 1 (Sets sum element hashes instead).
    public func javaHashCode(of value: Value) -> Int32? {
        guard case .list(let items) = value, nullFlags != .trueMeansPresent else { return nil }
        var h: Int32 = nullFlags == .trueMeansNull ? 0 : 1
        for item in items {
            let e: Int32
            if item == .null { e = 0 } else {
                guard let code = element.javaHashCode(of: item) else { return nil }
                e = code
            }
            h = nullFlags == .trueMeansNull ? h &+ e : 31 &* h &+ e
        }
        return h
    }
}

/// `MapSerializer` (a `Map` value, not map state): i32 size, then per entry the key, a null flag and
/// the value when not null.
public struct MapSerializer: TypeSerializer {
    public let key: any TypeSerializer
    public let value: any TypeSerializer

    public init(key: any TypeSerializer, value: any TypeSerializer) {
        self.key = key
        self.value = value
    }

    public var readsToEnd: Bool { key.readsToEnd || value.readsToEnd }
    public var flinkLength: Int { -1 }

    public func read(from r: inout ByteReader) throws -> Value {
        let count = try r.readCount("a map size")
        // Every entry takes at least its one-byte null flag.
        try r.require(count, for: "a map of \(count) entries")
        var entries = [MapEntry]()
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let k = try key.read(from: &r)
            let isNull = try r.readBool("a map value null flag")
            entries.append(MapEntry(key: k, value: isNull ? .null : try value.read(from: &r)))
        }
        return .map(entries)
    }

    public func write(_ v: Value, to w: inout ByteWriter) throws {
        guard case .map(let entries) = v else { throw mismatch(v, expected: "Map", at: w) }
        w.writeCount(entries.count)
        for e in entries {
            try key.write(e.key, to: &w)
            w.writeBool(e.value == .null)
            if e.value != .null { try value.write(e.value, to: &w) }
        }
    }

    /// `java.util.Map.hashCode()`: the sum of `key.hashCode() ^ value.hashCode()`.
    public func javaHashCode(of v: Value) -> Int32? {
        guard case .map(let entries) = v else { return nil }
        var h: Int32 = 0
        for e in entries {
            guard let k = key.javaHashCode(of: e.key) else { return nil }
            var vh: Int32 = 0
            if e.value != .null {
                guard let c = value.javaHashCode(of: e.value) else { return nil }
                vh = c
            }
            h = h &+ (k ^ vh)
        }
        return h
    }
}
