import Bytes

extension SerializerSnapshot {
    /// The serializer this snapshot restores (unknown classes → an opaque serializer; never fails).
    /// Kryo serializers infer their encoding per value; `restoreSerializer(kryoEncoding:)` fixes it.
    public func restoreSerializer() -> any TypeSerializer { restoreSerializer(kryoEncoding: nil) }

    /// The same, with the Kryo encoding of the savepoint (`KryoEncoding(metadataVersion:)`) for every
    /// Kryo serializer inside.
    public func restoreSerializer(kryoEncoding: KryoEncoding?) -> any TypeSerializer {
        switch payload {
        case .composite(let c): return c.restoreSerializer(typeDescription: typeDescription, kryoEncoding: kryoEncoding)
        case .pojo(let p): return p.restoreSerializer(kryoEncoding: kryoEncoding)
        case .enumeration(let cls, let constants): return EnumSerializer(enumClass: cls, constants: constants)
        case .ttlAware(_, let inner): return inner.restoreSerializer(kryoEncoding: kryoEncoding)
        case .empty, .legacySerializerClass:
            guard case .simple(let type)? = layout else { break }
            return type.serializer
        case .kryo(let k): return KryoSerializer(snapshot: k, encoding: kryoEncoding)
        case .avro, .typeClass: break
        }
        return OpaqueSerializer(typeDescription: typeDescription)
    }
}

extension SimpleType {
    /// The serializer of a simple type.
    public var serializer: any TypeSerializer {
        switch self {
        case .boolean, .booleanValue: PrimitiveSerializer(.boolean)
        case .byte, .byteValue: PrimitiveSerializer(.byte)
        case .short, .shortValue: PrimitiveSerializer(.short)
        case .int, .intValue: PrimitiveSerializer(.int)
        case .long, .longValue: PrimitiveSerializer(.long)
        case .float, .floatValue: PrimitiveSerializer(.float)
        case .double, .doubleValue: PrimitiveSerializer(.double)
        case .char, .charValue: PrimitiveSerializer(.char)
        case .void: PrimitiveSerializer(.void)
        case .nullValue: PrimitiveSerializer(.nullValue)
        case .date, .sqlDate, .sqlTime: PrimitiveSerializer(.epochMillis)
        case .string: StringSerializer()
        case .instant: InstantSerializer()
        case .bigInteger: BigNumberSerializer(isDecimal: false)
        case .bigDecimal: BigNumberSerializer(isDecimal: true)
        case .sqlTimestamp: FixedRawSerializer(length: 12)
        case .localDate: FixedRawSerializer(length: 6)
        case .localTime: FixedRawSerializer(length: 7)
        case .localDateTime: FixedRawSerializer(length: 13)
        case .booleanArray: PrimitiveArraySerializer(.boolean)
        case .byteArray: PrimitiveArraySerializer(.byte)
        case .shortArray: PrimitiveArraySerializer(.short)
        case .intArray: PrimitiveArraySerializer(.int)
        case .longArray: PrimitiveArraySerializer(.long)
        case .floatArray: PrimitiveArraySerializer(.float)
        case .doubleArray: PrimitiveArraySerializer(.double)
        case .charArray: PrimitiveArraySerializer(.char)
        case .stringArray: PrimitiveArraySerializer(.string)
        case .voidNamespace: VoidNamespaceSerializer()
        case .timeWindow: TimeWindowSerializer()
        case .globalWindow: GlobalWindowSerializer()
        case .tuple0: TupleSerializer(tupleClass: "org.apache.flink.api.java.tuple.Tuple0", fields: [])
        case .javaSerialized: OpaqueSerializer(typeDescription: rawValue)
        case .bitmap: LengthPrefixedRawSerializer(lengthCount: 1)
        case .variant: LengthPrefixedRawSerializer(lengthCount: 2)
        }
    }
}

extension CompositeSnapshot {
    func restoreSerializer(typeDescription: String, kryoEncoding: KryoEncoding?) -> any TypeSerializer {
        let n = nested.map { $0.restoreSerializer(kryoEncoding: kryoEncoding) }
        func at(_ i: Int) -> any TypeSerializer {
            i < n.count ? n[i] : OpaqueSerializer(typeDescription: "missing nested serializer")
        }
        switch (type, outer) {
        case (.list, _), (.arrayList, _): return ListSerializer(element: at(0))
        case (.set, _): return ListSerializer(element: at(0), nullFlags: .trueMeansNull)
        case (.genericArray, _): return ListSerializer(element: at(0), nullFlags: .trueMeansPresent)
        case (.map, _): return MapSerializer(key: at(0), value: at(1))
        case (.tuple, .className(let cls)): return TupleSerializer(tupleClass: cls, fields: n)
        case (.row, .rowKind(let supported, _)): return RowSerializer(fields: n, supportsRowKind: supported)
        case (.nullable, .nullPadding(let p)): return NullableSerializer(original: at(0), nullPaddingLength: Int(p))
        case (.ttl, _): return TtlSerializer(timestamp: at(0), user: at(1))
        case (.timer, _): return TimerSerializer(key: at(0), namespace: at(1))
        case (.either, _): return EitherSerializer(left: at(0), right: at(1))
        case (.bufferEntry, _): return BufferEntrySerializer(element: at(0))
        default: return OpaqueSerializer(typeDescription: typeDescription)
        }
    }
}

extension PojoSnapshot {
    func restoreSerializer(kryoEncoding: KryoEncoding?) -> any TypeSerializer {
        PojoSerializer(
            className: pojoClassName,
            fieldNames: fields.map(\.name),
            fieldSerializers: fields.map { $0.snapshot?.restoreSerializer(kryoEncoding: kryoEncoding) },
            registeredSubclasses: registeredSubclasses.map {
                ($0.className, $0.snapshot?.restoreSerializer(kryoEncoding: kryoEncoding))
            },
            nonRegisteredSubclasses: nonRegisteredSubclasses.map {
                ($0.className, $0.snapshot?.restoreSerializer(kryoEncoding: kryoEncoding))
            })
    }
}
