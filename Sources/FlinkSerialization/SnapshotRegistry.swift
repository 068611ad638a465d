/// Which payload layout a snapshot class writes, keyed by the class name Flink stores.
///
/// Snapshot payloads carry no length, so a reader must know each class to get past it: this table is
/// the complete list of classes the toolkit can read. Names are as written by Flink 1.15 through 2.3
/// (relocations included, e.g. the 2.x async-state TTL snapshot under `runtime.state.v2.ttl`).
public enum SnapshotLayout: Sendable, Equatable {
    /// `SimpleTypeSerializerSnapshot`: empty payload (version 3) or the serializer class name (version 2).
    case simple(SimpleType)
    /// `CompositeTypeSerializerSnapshot`: outer snapshot, then nested snapshots.
    case composite(CompositeType)
    case pojo
    case enumeration
    /// `GenericTypeSerializerSnapshot` (`ValueSerializer`, `CopyableValueSerializer`): the type class.
    case genericType
    case kryo
    case avro
    /// 2.x `TtlAwareSerializerSnapshot`: a TTL flag and the wrapped snapshot.
    case ttlAware
}

/// Serializers whose snapshot has no payload.
public enum SimpleType: String, Sendable, CaseIterable {
    case boolean = "Boolean", byte = "Byte", short = "Short", int = "Integer", long = "Long"
    case float = "Float", double = "Double", char = "Character", string = "String", void = "Void"
    case instant = "Instant", bigInteger = "BigInteger", bigDecimal = "BigDecimal"
    case date = "Date", sqlDate = "java.sql.Date", sqlTime = "java.sql.Time", sqlTimestamp = "java.sql.Timestamp"
    case localDate = "LocalDate", localTime = "LocalTime", localDateTime = "LocalDateTime"
    case booleanArray = "boolean[]", byteArray = "byte[]", shortArray = "short[]", intArray = "int[]"
    case longArray = "long[]", floatArray = "float[]", doubleArray = "double[]", charArray = "char[]"
    case stringArray = "String[]"
    case booleanValue = "BooleanValue", byteValue = "ByteValue", shortValue = "ShortValue"
    case intValue = "IntValue", longValue = "LongValue", floatValue = "FloatValue"
    case doubleValue = "DoubleValue", charValue = "CharValue", nullValue = "NullValue"
    case voidNamespace = "VoidNamespace", timeWindow = "TimeWindow", globalWindow = "GlobalWindow"
    case tuple0 = "Tuple0"
    /// 2.x `Bitmap` (i32 length, bytes) and `Variant` (two i32 lengths, value and metadata bytes).
    case bitmap = "Bitmap", variant = "Variant"
    /// `JavaSerializer`: Java serialization, opaque to the toolkit.
    case javaSerialized = "Java-serialized"
}

/// Serializers whose snapshot is a `CompositeTypeSerializerSnapshot`.
public enum CompositeType: String, Sendable, CaseIterable {
    case list = "List", arrayList = "ArrayList", set = "Set", map = "Map"
    case genericArray = "GenericArray", tuple = "Tuple", row = "Row", nullable = "Nullable"
    case ttl = "TTL", timer = "Timer", either = "Either"
    /// `IntervalJoinOperator.BufferEntrySerializer`: a joined flag, then the element.
    case bufferEntry = "BufferEntry"
    /// `StreamElementSerializer` and `CoGroupedStreams.UnionSerializer`: tagged values, kept opaque.
    case streamElement = "StreamElement", taggedUnion = "TaggedUnion"
}

public enum SnapshotRegistry {
    /// The layout of a snapshot class, or nil when the toolkit does not know it.
    public static func layout(ofClass name: String) -> SnapshotLayout? { table[name] }

    /// Every snapshot class name the toolkit reads.
    public static var knownClassNames: [String] { table.keys.sorted() }

    static let base = "org.apache.flink.api.common.typeutils.base."
    static let runtime = "org.apache.flink.api.java.typeutils.runtime."

    static let table: [String: SnapshotLayout] = {
        var t = [String: SnapshotLayout]()
        func simple(_ s: SimpleType, _ names: String...) { for n in names { t[n] = .simple(s) } }
        func inner(_ pkg: String, _ cls: String) -> String { "\(pkg)\(cls)$\(cls)Snapshot" }
        simple(.boolean, inner(base, "BooleanSerializer"))
        simple(.byte, inner(base, "ByteSerializer"))
        simple(.short, inner(base, "ShortSerializer"))
        simple(.int, inner(base, "IntSerializer"))
        simple(.long, inner(base, "LongSerializer"))
        simple(.float, inner(base, "FloatSerializer"))
        simple(.double, inner(base, "DoubleSerializer"))
        simple(.char, inner(base, "CharSerializer"))
        simple(.string, inner(base, "StringSerializer"))
        simple(.void, inner(base, "VoidSerializer"))
        simple(.instant, inner(base, "InstantSerializer"))
        simple(.bigInteger, inner(base, "BigIntSerializer"))
        simple(.bigDecimal, inner(base, "BigDecSerializer"))
        simple(.date, inner(base, "DateSerializer"))
        simple(.sqlDate, inner(base, "SqlDateSerializer"))
        simple(.sqlTime, inner(base, "SqlTimeSerializer"))
        simple(.sqlTimestamp, inner(base, "SqlTimestampSerializer"))
        simple(.localDate, inner(base, "LocalDateSerializer"))
        simple(.localTime, inner(base, "LocalTimeSerializer"))
        simple(.localDateTime, inner(base, "LocalDateTimeSerializer"))
        simple(.booleanValue, inner(base, "BooleanValueSerializer"))
        simple(.byteValue, inner(base, "ByteValueSerializer"))
        simple(.shortValue, inner(base, "ShortValueSerializer"))
        simple(.intValue, inner(base, "IntValueSerializer"))
        simple(.longValue, inner(base, "LongValueSerializer"))
        simple(.floatValue, inner(base, "FloatValueSerializer"))
        simple(.doubleValue, inner(base, "DoubleValueSerializer"))
        simple(.charValue, inner(base, "CharValueSerializer"))
        simple(.nullValue, inner(base, "NullValueSerializer"))
        simple(.bitmap, inner(base, "BitmapSerializer"))
        simple(.variant, inner(base, "VariantSerializer"))
        let array = base + "array."
        simple(.booleanArray, inner(array, "BooleanPrimitiveArraySerializer"))
        simple(.byteArray, inner(array, "BytePrimitiveArraySerializer"))
        simple(.shortArray, inner(array, "ShortPrimitiveArraySerializer"))
        simple(.intArray, inner(array, "IntPrimitiveArraySerializer"))
        simple(.longArray, inner(array, "LongPrimitiveArraySerializer"))
        simple(.floatArray, inner(array, "FloatPrimitiveArraySerializer"))
        simple(.doubleArray, inner(array, "DoublePrimitiveArraySerializer"))
        simple(.charArray, inner(array, "CharPrimitiveArraySerializer"))
        simple(.stringArray, inner(array, "StringArraySerializer"))
        simple(.voidNamespace,
               "org.apache.flink.runtime.state.VoidNamespaceSerializer$VoidNamespaceSerializerSnapshot",
               "org.apache.flink.queryablestate.client.VoidNamespaceSerializer$VoidNamespaceSerializerSnapshot")
        let windows = "org.apache.flink.streaming.api.windowing.windows."
        simple(.timeWindow, windows + "TimeWindow$Serializer$TimeWindowSerializerSnapshot")
        simple(.globalWindow, windows + "GlobalWindow$Serializer$GlobalWindowSerializerSnapshot")
        simple(.tuple0, runtime + "Tuple0SerializerSnapshot")
        simple(.javaSerialized, "org.apache.flink.runtime.state.JavaSerializer$JavaSerializerSnapshot")

        t[base + "ListSerializerSnapshot"] = .composite(.list)
        t["org.apache.flink.runtime.state.ArrayListSerializerSnapshot"] = .composite(.arrayList)
        t[base + "SetSerializerSnapshot"] = .composite(.set)
        t[base + "MapSerializerSnapshot"] = .composite(.map)
        t[base + "GenericArraySerializerSnapshot"] = .composite(.genericArray)
        t[runtime + "TupleSerializerSnapshot"] = .composite(.tuple)
        t[runtime + "RowSerializer$RowSerializerSnapshot"] = .composite(.row)
        t[runtime + "NullableSerializer$NullableSerializerSnapshot"] = .composite(.nullable)
        t[runtime + "JavaEitherSerializerSnapshot"] = .composite(.either)
        t["org.apache.flink.runtime.state.ttl.TtlStateFactory$TtlSerializerSnapshot"] = .composite(.ttl)
        t["org.apache.flink.runtime.state.v2.ttl.TtlStateFactory$TtlSerializerSnapshot"] = .composite(.ttl)
        t["org.apache.flink.streaming.api.operators.TimerSerializerSnapshot"] = .composite(.timer)
        let streaming = "org.apache.flink.streaming."
        t[streaming + "api.operators.co.IntervalJoinOperator$BufferEntrySerializerSnapshot"] = .composite(.bufferEntry)
        t[streaming + "runtime.streamrecord.StreamElementSerializer$StreamElementSerializerSnapshot"] =
            .composite(.streamElement)
        t[streaming + "api.datastream.CoGroupedStreams$UnionSerializerSnapshot"] = .composite(.taggedUnion)
        t[runtime + "ValueSerializer$ValueSerializerSnapshot"] = .genericType
        t[runtime + "CopyableValueSerializer$CopyableValueSerializerSnapshot"] = .genericType

        t[runtime + "PojoSerializerSnapshot"] = .pojo
        t[base + "EnumSerializer$EnumSerializerSnapshot"] = .enumeration
        t[runtime + "kryo.KryoSerializerSnapshot"] = .kryo
        t["org.apache.flink.formats.avro.typeutils.AvroSerializerSnapshot"] = .avro
        t["org.apache.flink.runtime.state.ttl.TtlAwareSerializerSnapshot"] = .ttlAware
        return t
    }()
}
