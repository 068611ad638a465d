import Bytes

/// The class ids a Flink `KryoSerializer`'s Kryo instance has before the snapshot's registrations,
/// read from a live `KryoSerializer` of Flink 1.20.5 and 2.3.0 (`Kryo.getRegistration(id)`; see
/// `fixtures/README.md`): Kryo's own primitives and `String` (0–8, 2.24 also `void` at 9), chill's Scala
/// classes (10–72, Flink 1.x only: `FlinkScalaKryoInstantiator`), chill's Java classes (73–84, kept
/// at the same ids by Flink 2's `FlinkChillPackageRegistrar`). Flink's `KryoSerializer` then registers
/// the snapshot's `registrations` in order from 85 (the serializer's own type class first).
/// On the wire a class is `id + 2` (0 is null, 1 a class written by name).
enum KryoClassIDs {
    static let firstSnapshotRegistration = 85

    static func defaultName(_ id: Int, encoding: KryoEncoding) -> String? {
        switch id {
        case 0..<primitives.count: return primitives[id]
        case 9: return encoding == .kryo2 ? "void" : nil
        case 10..<73: return encoding == .kryo2 ? scala[id - 10] : nil
        case 73..<85: return chillJava[id - 73]
        default: return nil
        }
    }

    static let primitives = ["int", "java.lang.String", "float", "boolean", "byte", "char", "short", "long", "double"]

    static let chillJava = [
        "java.util.Arrays$ArrayList", "java.util.BitSet", "java.util.PriorityQueue", "java.util.regex.Pattern",
        "java.sql.Date", "java.sql.Time", "java.sql.Timestamp", "java.net.URI", "java.net.InetSocketAddress",
        "java.util.UUID", "java.util.Locale", "java.text.SimpleDateFormat",
    ]

    /// chill's `ScalaKryoInstantiator` registrations in Flink 1.x (Scala 2.12).
    static let scala = [
        "scala.collection.convert.Wrappers$SeqWrapper",
        "scala.collection.convert.Wrappers$IteratorWrapper",
        "scala.collection.convert.Wrappers$MapWrapper",
        "scala.collection.convert.Wrappers$JListWrapper",
        "scala.collection.convert.Wrappers$JMapWrapper",
        "scala.Some",
        "scala.util.Left",
        "scala.util.Right",
        "scala.collection.immutable.Vector",
        "scala.collection.immutable.Set$Set1",
        "scala.collection.immutable.Set$Set2",
        "scala.collection.immutable.Set$Set3",
        "scala.collection.immutable.Set$Set4",
        "scala.collection.immutable.HashSet$HashTrieSet",
        "scala.collection.immutable.Map$Map1",
        "scala.collection.immutable.Map$Map2",
        "scala.collection.immutable.Map$Map3",
        "scala.collection.immutable.Map$Map4",
        "scala.collection.immutable.HashMap$HashTrieMap",
        "scala.collection.immutable.Range$Inclusive",
        "scala.collection.immutable.NumericRange$Inclusive",
        "scala.collection.immutable.NumericRange$Exclusive",
        "scala.collection.mutable.BitSet",
        "scala.collection.mutable.HashMap",
        "scala.collection.mutable.HashSet",
        "scala.collection.convert.Wrappers$IterableWrapper",
        "scala.Tuple1",
        "scala.Tuple2",
        "scala.Tuple3",
        "scala.Tuple4",
        "scala.Tuple5",
        "scala.Tuple6",
        "scala.Tuple7",
        "scala.Tuple8",
        "scala.Tuple9",
        "scala.Tuple10",
        "scala.Tuple11",
        "scala.Tuple12",
        "scala.Tuple13",
        "scala.Tuple14",
        "scala.Tuple15",
        "scala.Tuple16",
        "scala.Tuple17",
        "scala.Tuple18",
        "scala.Tuple19",
        "scala.Tuple20",
        "scala.Tuple21",
        "scala.Tuple22",
        "scala.Tuple1$mcJ$sp",
        "scala.Tuple1$mcI$sp",
        "scala.Tuple1$mcD$sp",
        "scala.Tuple2$mcJJ$sp",
        "scala.Tuple2$mcJI$sp",
        "scala.Tuple2$mcJD$sp",
        "scala.Tuple2$mcIJ$sp",
        "scala.Tuple2$mcII$sp",
        "scala.Tuple2$mcID$sp",
        "scala.Tuple2$mcDJ$sp",
        "scala.Tuple2$mcDI$sp",
        "scala.Tuple2$mcDD$sp",
        "scala.Symbol",
        "scala.reflect.ClassTag",
        "scala.runtime.BoxedUnit",
    ]
}

/// The classes a Flink `KryoSerializerSnapshot` registers, in id order from 85, and which of them have a
/// serializer of their own (then the bytes are that serializer's, and decoding stops there).
public struct KryoRegistrations: Sendable, Equatable {
    public var classNames: [String]
    /// Classes with a registered or default serializer other than Kryo's default one.
    public var customSerializers: Set<String>
    /// The fields of user classes Kryo writes field by field, where the caller knows them (from the
    /// same class's POJO snapshot, say): with them those classes decode as `.pojo`.
    public var fieldLayouts: [String: [KryoField]]

    public init(classNames: [String], customSerializers: Set<String> = [], fieldLayouts: [String: [KryoField]] = [:]) {
        self.classNames = classNames
        self.customSerializers = customSerializers
        self.fieldLayouts = fieldLayouts
    }

    /// From the snapshot: a registration's value frame is `KryoRegistration`'s class name (modified
    /// UTF-8) and an i32 `SerializerDefinitionType` (0 `UNSPECIFIED`: Kryo's default serializer); the
    /// default-serializer maps name classes whose serializer is the user's.
    public init(snapshot: KryoSnapshot) {
        classNames = snapshot.registrations.map(\.name)
        var custom = Set<String>()
        for e in snapshot.registrations {
            if Self.definitionType(e.valueFrame) != 0 { custom.insert(e.name) }
        }
        for e in snapshot.defaultKryoSerializers + snapshot.defaultKryoSerializerClasses { custom.insert(e.name) }
        customSerializers = custom
        fieldLayouts = [:]
    }

    static func definitionType(_ frame: [UInt8]?) -> Int32? {
        guard let frame else { return nil }
        var r = ByteReader(frame)
        guard let n = try? r.readU16(), (try? r.skip(Int(n))) != nil else { return nil }
        return try? r.readI32()
    }

    func name(ofID id: Int, encoding: KryoEncoding) -> String? {
        if id >= KryoClassIDs.firstSnapshotRegistration {
            let i = id - KryoClassIDs.firstSnapshotRegistration
            return i < classNames.count ? classNames[i] : nil
        }
        return KryoClassIDs.defaultName(id, encoding: encoding)
    }
}

/// One field of a class Kryo's `FieldSerializer` writes (`serializers/FieldSerializer.java`,
/// `ObjectField.java`): fields go in name order, each as
/// - a primitive (`int`, `long`, …): its value as the boxed serializer writes it, no marker;
/// - a field of a final class (`String`, a boxed type, `UUID`…): a null/reference marker, the value;
/// - any other field: the value's class, then the object (as in a collection element).
/// Generic collection fields (`List<String>` inside the class) would carry their element serializer
/// and are not described here: such a class stays undecodable.
public struct KryoField: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A primitive: `int`, `long`, `short`, `byte`, `char`, `boolean`, `float`, `double`.
        case primitive(String)
        /// A field whose declared class is final (Kryo writes no class): `java.lang.String`, boxed types.
        case final(String)
        /// A field whose value carries its class.
        case any
    }

    public var name: String
    public var kind: Kind

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}
