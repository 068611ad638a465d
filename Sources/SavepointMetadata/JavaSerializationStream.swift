import Bytes

/// A structural reader of a Java Object Serialization stream (`java.io.ObjectOutputStream`,
/// protocol version 2), as `_metadata` V4+ ends with one holding the job's `CheckpointProperties`.
///
/// Flink reads that trailer with `ObjectInputStream.readObject`, so a `_metadata` cut inside it is
/// refused by Flink; without a JVM we check the same grammar instead: one top-level object that
/// ends exactly at the end of the bytes, every class descriptor, field value, back reference and
/// annotation well formed. Classes are never loaded, so class-specific `writeObject` data is read
/// the way `ObjectOutputStream` frames it (default field values, then a block-data annotation).
///
/// The parse keeps a small model (field values, strings, enum constants; arrays and block data only
/// by size) so callers can look at what was stored, e.g. `CheckpointPropertiesSummary`.
public struct JavaSerializationStream: Sendable, Equatable {
    /// `ObjectStreamConstants.STREAM_MAGIC`.
    public static let magic: UInt16 = 0xACED
    /// `ObjectStreamConstants.STREAM_VERSION`.
    public static let version: UInt16 = 5
    /// `ObjectStreamConstants.baseWireHandle`: the first back-reference handle.
    public static let baseWireHandle: Int32 = 0x7E_0000
    /// Nesting bound (objects in fields, annotations, superclass chains): real trailers need 4.
    public static let maximumDepth = 64

    /// The top-level object (`.null` when the stream holds a null reference).
    public let root: JavaContent
    /// Every value that received a handle, by handle index (handle − `baseWireHandle`).
    public let handles: [JavaContent]

    /// Parses `bytes`, which must hold exactly one top-level object and nothing after it.
    /// Error offsets are `baseOffset` plus the position inside `bytes`.
    public static func read(_ bytes: [UInt8], baseOffset: Int = 0) throws -> JavaSerializationStream {
        try read(from: ByteReader(bytes, baseOffset: baseOffset))
    }

    /// Parses from the reader's position to its end (error offsets follow the reader's).
    public static func read(from reader: ByteReader) throws -> JavaSerializationStream {
        var parser = JavaStreamParser(reader: reader)
        let root = try parser.readStream()
        return JavaSerializationStream(root: root, handles: parser.values)
    }

    /// `content` with a back reference replaced by the value it refers to (one step; a reference
    /// to an object still being read when it was written resolves to that object).
    public func resolve(_ content: JavaContent) -> JavaContent {
        guard case .reference(let index) = content, handles.indices.contains(index) else { return content }
        return handles[index]
    }
}

/// One value of a Java serialization stream, as far as a structural reader can know it.
public indirect enum JavaContent: Sendable, Equatable {
    case null
    /// A back reference (`TC_REFERENCE`), by handle index; see `JavaSerializationStream.resolve`.
    case reference(Int)
    case string(String)
    case enumConstant(className: String, name: String)
    case object(JavaObject)
    /// An array: its class name (`[I`, `[Ljava.lang.String;`) and length.
    case array(className: String, count: Int)
    /// A `Class` object (`TC_CLASS`) or a class descriptor met as a value.
    case classObject(String)
    case primitive(JavaPrimitive)
    /// Raw block data inside an annotation, by size.
    case blockData(count: Int)
}

/// A primitive field value, by its Java type; floating point kept as bits so equality is exact.
public enum JavaPrimitive: Sendable, Equatable {
    case boolean(Bool), byte(Int8), char(UInt16), short(Int16), int(Int32), long(Int64)
    case floatBits(UInt32), doubleBits(UInt64)
}

/// A serialized object: its class and the default field values of every serializable class in
/// its hierarchy, the topmost superclass first (the order of the stream).
public struct JavaObject: Sendable, Equatable {
    public var className: String
    public var fields: [JavaField]

    /// The value of the field `name` (the most derived class's, if several classes declare it).
    public func field(_ name: String) -> JavaContent? {
        fields.last { $0.name == name }?.value
    }
}

public struct JavaField: Sendable, Equatable {
    /// The class that declares the field.
    public var declaringClass: String
    public var name: String
    public var value: JavaContent
}
