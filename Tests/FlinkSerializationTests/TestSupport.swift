import Bytes
@testable import FlinkSerialization

/// Bytes from hex text; spaces and `|` are ignored so vectors can be copied from hex dumps.
func hex(_ text: String) -> [UInt8] {
    let digits = text.filter { $0.isHexDigit }.map { UInt8(String($0), radix: 16)! }
    return stride(from: 0, to: digits.count - 1, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
}

let basePackage = "org.apache.flink.api.common.typeutils.base."
let runtimePackage = "org.apache.flink.api.java.typeutils.runtime."
let longSnapshotClass = basePackage + "LongSerializer$LongSerializerSnapshot"
let intSnapshotClass = basePackage + "IntSerializer$IntSerializerSnapshot"
let stringSnapshotClass = basePackage + "StringSerializer$StringSerializerSnapshot"
let doubleSnapshotClass = basePackage + "DoubleSerializer$DoubleSerializerSnapshot"
let voidNamespaceClass = "org.apache.flink.runtime.state.VoidNamespaceSerializer$VoidNamespaceSerializerSnapshot"
let timeWindowClass =
    "org.apache.flink.streaming.api.windowing.windows.TimeWindow$Serializer$TimeWindowSerializerSnapshot"

/// Writes snapshots the way Flink's Java code lays them out (`TypeSerializerSnapshot.writeVersionedSnapshot`,
/// `CompositeTypeSerializerSnapshot.writeSnapshot`), independently of the
/// readers and writers under test.
enum FlinkBytes {
    static func utf(_ s: String, _ w: inout ByteWriter) { try! w.writeModifiedUTF8(s) }

    /// `UTF className, i32 version` + payload.
    static func versioned(_ className: String, _ version: Int32, payload: [UInt8] = []) -> [UInt8] {
        var w = ByteWriter()
        utf(className, &w)
        w.writeI32(version)
        w.writeBytes(payload)
        return w.bytes
    }

    static func simple(_ className: String) -> [UInt8] { versioned(className, 3) }

    static func topLevel(_ versioned: [UInt8]) -> [UInt8] { hex("00000002") + versioned }

    /// A `CompositeTypeSerializerSnapshot` (version 3): outer magic, outer version, outer payload,
    /// nested magic, nested format 1, count, nested snapshots.
    static func composite(_ className: String, outerVersion: Int32, outer: [UInt8] = [],
                          nested: [[UInt8]]) -> [UInt8] {
        var w = ByteWriter()
        w.writeI32(911_108)
        w.writeI32(outerVersion)
        w.writeBytes(outer)
        w.writeBytes(nestedBlock(nested))
        return versioned(className, 3, payload: w.bytes)
    }

    static func nestedBlock(_ nested: [[UInt8]]) -> [UInt8] {
        var w = ByteWriter()
        w.writeI32(1_333_245)
        w.writeI32(1)
        w.writeI32(Int32(nested.count))
        for n in nested { w.writeBytes(n) }
        return w.bytes
    }

    static func utfBytes(_ s: String) -> [UInt8] {
        var w = ByteWriter()
        utf(s, &w)
        return w.bytes
    }

    /// `LinkedOptionalMapSerializer`: header, count, {UTF name, [flag, i32 len, frame] × 2}.
    static func optionalMap(_ entries: [(String, [UInt8]?, [UInt8]?)]) -> [UInt8] {
        var w = ByteWriter()
        w.writeI64(0x0000_04F2_C69A_3D70)
        w.writeI32(Int32(entries.count))
        for (name, key, value) in entries {
            utf(name, &w)
            for frame in [key, value] {
                if let frame {
                    w.writeBool(true)
                    w.writeI32(Int32(frame.count))
                    w.writeBytes(frame)
                } else {
                    w.writeBool(false)
                }
            }
        }
        return w.bytes
    }

    static func enumSnapshot(_ enumClass: String, _ constants: [String]) -> [UInt8] {
        var w = ByteWriter()
        utf(enumClass, &w)
        w.writeI32(Int32(constants.count))
        for c in constants { utf(c, &w) }
        return versioned(basePackage + "EnumSerializer$EnumSerializerSnapshot", 3, payload: w.bytes)
    }

    /// A POJO snapshot with fields (name, versioned snapshot) declared by `pojoClass`.
    static func pojoSnapshot(_ pojoClass: String, fields: [(String, [UInt8])],
                             registered: [(String, [UInt8])] = [],
                             nonRegistered: [(String, [UInt8])] = []) -> [UInt8] {
        var payload = utfBytes(pojoClass)
        payload += optionalMap(fields.map { ($0.0, utfBytes(pojoClass) + utfBytes($0.0), $0.1) })
        payload += optionalMap(registered.map { ($0.0, nil, $0.1) })
        payload += optionalMap(nonRegistered.map { ($0.0, nil, $0.1) })
        return versioned(runtimePackage + "PojoSerializerSnapshot", 2, payload: payload)
    }
}

/// Reads a versioned snapshot that must span `bytes` exactly.
func readVersioned(_ bytes: [UInt8]) throws -> SerializerSnapshot {
    var r = ByteReader(bytes)
    let s = try SerializerSnapshot.readVersioned(from: &r)
    guard r.isAtEnd else { throw r.error("trailing bytes") }
    return s
}

func writeVersioned(_ s: SerializerSnapshot) throws -> [UInt8] {
    var w = ByteWriter()
    try s.writeVersioned(to: &w)
    return w.bytes
}
