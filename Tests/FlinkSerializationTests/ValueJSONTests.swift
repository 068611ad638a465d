import Testing
@testable import FlinkSerialization

@Suite struct ValueJSONTests {
    @Test(arguments: [
        (Value.null, "null"), (.bool(true), "true"), (.bool(false), "false"),
        (.int(0), "0"), (.int(-7), "-7"), (.int(Int64.max), "9223372036854775807"),
        (.int(Int64.min), "-9223372036854775808"),
        (.double(24.5), "24.5"), (.double(0.1), "0.1"), (.double(1.0), "1.0"), (.double(-0.0), "-0.0"),
        (.double(.nan), "\"NaN\""), (.double(.infinity), "\"Infinity\""), (.double(-.infinity), "\"-Infinity\""),
        (.float(1.1), "1.1"), (.float(.nan), "\"NaN\""),
        (.string("a\"b\\c\n\u{01}€"), "\"a\\\"b\\\\c\\n\\u0001€\""),
        (.char(0x41), "\"A\""), (.char(0xD800), "\"\\ud800\""),
        (.bytes([]), "{\"$bytes\":\"\"}"), (.bytes([0x66]), "{\"$bytes\":\"Zg==\"}"),
        (.bytes([0x66, 0x6f]), "{\"$bytes\":\"Zm8=\"}"), (.bytes([0x66, 0x6f, 0x6f]), "{\"$bytes\":\"Zm9v\"}"),
        (.raw([0xff, 0xfe, 0xfd, 0xfc]), "{\"$raw\":\"//79/A==\"}"),
        (.tuple([.int(49), .string("t49"), .double(24.5)]), "[49,\"t49\",24.5]"),
        (.row(kind: 0, fields: [.int(44), .null]), "[44,null]"),
        (.list([]), "[]"),
        (.enumConstant("BLUE"), "\"BLUE\""),
        (.voidNamespace, "null"), (.globalWindow, "\"global\""),
        (.timeWindow(start: 1, end: 2), "{\"start\":1,\"end\":2}"),
        (.ttl(timestamp: 5, value: .int(49)), "49"),
        (.instant(seconds: 0, nanos: 0), "\"1970-01-01T00:00:00Z\""),
        (.instant(seconds: 1_704_164_645, nanos: 123_000_000), "\"2024-01-02T03:04:05.123Z\""),
        (.instant(seconds: -1, nanos: 1000), "\"1969-12-31T23:59:59.000001Z\""),
        (.instant(seconds: 951_782_400, nanos: 5), "\"2000-02-29T00:00:00.000000005Z\""),
        (.instant(seconds: Int64.max, nanos: 0), "{\"epochSecond\":9223372036854775807,\"nano\":0}"),
        (.timer(timestamp: 9, key: .string("k"), namespace: .voidNamespace),
         "{\"timestamp\":9,\"key\":\"k\",\"namespace\":null}"),
    ])
    func rendering(value: Value, json: String) {
        #expect(ValueJSON.text(value) == json)
    }

    @Test func pojoKeepsSnapshotFieldOrder() {
        let v = Value.pojo(className: "P", fields: [PojoField(name: "z", value: .int(1)),
                                                    PojoField(name: "a", value: .string("x"))])
        #expect(ValueJSON.text(v) == "{\"z\":1,\"a\":\"x\"}")
    }

    @Test func mapIsSortedByKeyText() {
        let v = Value.map([MapEntry(key: .string("b"), value: .int(2)), MapEntry(key: .string("a"), value: .null),
                           MapEntry(key: .string("ab"), value: .int(3))])
        #expect(ValueJSON.text(v) == "{\"$map\":[[\"a\",null],[\"ab\",3],[\"b\",2]]}")
    }

    @Test func appendsIntoOneBuffer() {
        var out = JSONEmitter(capacity: 1)
        out.write("x:")
        out.value(.int(1))
        out.string("é")
        #expect(String(decoding: out.bytes, as: UTF8.self) == "x:1\"é\"")
    }

    /// Shortest round-trip text: parsing the text gives back the same bits.
    @Test func doublesRoundTrip() {
        for d in [0.1 + 0.2, 1e-300, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude, 123456789.123, 1e16, 1e-7] {
            let text = ValueJSON.text(.double(d))
            #expect(Double(text) == d)
        }
        for f: Float in [0.1, .greatestFiniteMagnitude, .leastNonzeroMagnitude, 16_777_216, 1.0e-7] {
            #expect(Float(ValueJSON.text(.float(f))) == f)
        }
    }
}
