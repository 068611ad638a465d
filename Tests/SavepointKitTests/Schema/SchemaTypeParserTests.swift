import FlinkSerialization
import SavepointKit
import Testing

/// The notation read back: every form `inspect` prints, spaces optional, and errors at the place.
@Suite struct SchemaTypeParserTests {
    @Test func readsEveryForm() throws {
        let person = SchemaType.pojo(className: "com.acme.Person$Inner", fields: [
            .init(name: "age", type: .named("Integer")), .init(name: "tags", type: .generic("List", [.named("String")])),
        ])
        let cases: [(String, SchemaType)] = [
            ("Long", .named("Long")),
            ("java.sql.Timestamp", .named("java.sql.Timestamp")),
            ("Tuple2<String, Integer>", .generic("Tuple2", [.named("String"), .named("Integer")])),
            ("POJO com.acme.Person$Inner{age: Integer, tags: List<String>}", person),
            ("POJO com.acme.Empty{}", .pojo(className: "com.acme.Empty", fields: [])),
            ("Row(f0: String, f1: Long)", .row([.named("String"), .named("Long")])),
            ("Map<String, TTL<Long>>", .generic("Map", [.named("String"), .generic("TTL", [.named("Long")])])),
            ("Enum com.acme.Color", .classed(.enumeration, "com.acme.Color")),
            ("Nullable<Long>", .generic("Nullable", [.named("Long")])),
            ("Kryo [Lcom.acme.Opaque;", .classed(.kryo, "[Lcom.acme.Opaque;")),
            ("Value org.apache.flink.types.IntValue", .classed(.value, "org.apache.flink.types.IntValue")),
            ("byte[]", .named("byte[]")),
            ("String[]", .named("String[]")),
            ("Tuple2<Long, Long>[]", .array(.generic("Tuple2", [.named("Long"), .named("Long")]))),
            ("List<POJO a.B{x: ?}>", .generic("List", [.pojo(className: "a.B", fields: [.init(name: "x", type: .unknown)])])),
            ("Timer<Integer, VoidNamespace>", .generic("Timer", [.named("Integer"), .named("VoidNamespace")])),
            ("Tuple0<>", .generic("Tuple0", [])),
        ]
        for (text, type) in cases {
            #expect(try SchemaTypeParser.parse(text) == type, "\(text)")
            #expect(type.rendered == text)
        }
        // Spaces are the user's choice.
        #expect(try SchemaTypeParser.parse(" Map<String,List <Long>> ") == .generic("Map", [.named("String"), .generic("List", [.named("Long")])]))
        #expect(try SchemaTypeParser.parse("POJO a.B{ x : Long ,y:Long }").rendered == "POJO a.B{x: Long, y: Long}")
    }

    @Test func failsAtThePlace() {
        let cases: [(String, Int, String)] = [
            ("List<String", 11, "expected '>'"),
            ("Map<String,>", 11, "expected a type"),
            ("POJO a.B{x Long}", 11, "expected ':'"),
            ("POJO a.B{x: Long, x: Int}", 24, "appears twice"),
            ("Row(f1: Long)", 4, "expected the row field f0"),
            ("Long Long", 5, "end of the type"),
            ("", 0, "expected a type"),
            ("Enum ", 5, "expected a class name"),
        ]
        for (text, offset, words) in cases {
            #expect(throws: SchemaTypeParser.Failure.self, "\(text)") { try SchemaTypeParser.parse(text) }
            do {
                _ = try SchemaTypeParser.parse(text)
            } catch let f as SchemaTypeParser.Failure {
                #expect(f.offset == offset && f.message.contains(words), "\(text): \(f)")
            } catch {}
        }
    }
}
