import Bytes

/// In-flight data of an unaligned checkpoint (`InputChannelStateHandle`,
/// `ResultSubpartitionStateHandle` and their merged forms). Savepoints never have it; retained
/// unaligned checkpoints do. One type serves both directions: they share the layout.
public struct ChannelStateHandle: Sendable, Equatable {
    /// Input gate + channel, or result partition + subpartition (`InputChannelInfo`,
    /// `ResultSubpartitionInfo`): two `i32` either way.
    public struct ChannelInfo: Sendable, Equatable, Hashable {
        public var gateOrPartitionIndex: Int32
        public var channelOrSubpartitionIndex: Int32
        public init(gateOrPartitionIndex: Int32, channelOrSubpartitionIndex: Int32) {
            self.gateOrPartitionIndex = gateOrPartitionIndex
            self.channelOrSubpartitionIndex = channelOrSubpartitionIndex
        }
    }

    public enum Content: Sendable, Equatable {
        /// One channel's buffers at `offsets` of the delegate.
        case channel(info: ChannelInfo, offsets: [Int64])
        /// V6 merged handle: all channels of the subtask, with Flink's own serialized offset table.
        case merged(serializedChannelOffsets: [UInt8])
    }

    public var subtaskIndex: Int32
    public var content: Content
    public var stateSize: Int64
    public var delegate: StreamStateHandle

    public init(subtaskIndex: Int32, content: Content, stateSize: Int64, delegate: StreamStateHandle) {
        self.subtaskIndex = subtaskIndex
        self.content = content
        self.stateSize = stateSize
        self.delegate = delegate
    }

    /// V6 type bytes (`ChannelStateHandleSerializerV2`): 1/2 single, 3/4 merged (input/output).
    private static func typeByte(merged: Bool, input: Bool) -> UInt8 {
        (merged ? 3 : 1) + (input ? 0 : 1)
    }

    /// `i32 n, n ×` handle; V6 prefixes each handle with a type byte.
    static func readList(from reader: inout ByteReader, input: Bool, typed: Bool) throws -> [ChannelStateHandle] {
        let what: StaticString = input ? "the number of input channel handles" : "the number of result subpartition handles"
        let count = try reader.readElementCount(what, minimumBytes: 13)
        var handles = [ChannelStateHandle]()
        handles.reserveCapacity(count)
        for _ in 0..<count { handles.append(try read(from: &reader, input: input, typed: typed)) }
        return handles
    }

    static func read(from reader: inout ByteReader, input: Bool, typed: Bool) throws -> ChannelStateHandle {
        guard typed else { return try readSingle(from: &reader) }
        let at = reader.index
        let type = try reader.readU8("a channel state handle type")
        switch type {
        case typeByte(merged: false, input: input): return try readSingle(from: &reader)
        case typeByte(merged: true, input: input): return try readMerged(from: &reader)
        default:
            let expected = input ? "1 (input channel) or 3 (merged input)" : "2 (result subpartition) or 4 (merged output)"
            throw reader.error("expected a channel state handle type \(expected), found \(type)", at: at)
        }
    }

    /// `i32 subtask, i32 info, i32 info, i32 n, n × i64 offset, i64 size, StreamHandle`.
    private static func readSingle(from reader: inout ByteReader) throws -> ChannelStateHandle {
        let subtask = try reader.readI32("a channel state subtask index")
        let info = ChannelInfo(
            gateOrPartitionIndex: try reader.readI32("a gate or partition index"),
            channelOrSubpartitionIndex: try reader.readI32("a channel or subpartition index"))
        let count = try reader.readCount("the number of channel state offsets")
        let offsets = try reader.readOffsets(count, what: "a channel state offset")
        let size = try reader.readI64("a channel state size")
        let delegate = try StreamStateHandle.readRequired(from: &reader, what: "the stream of a channel state handle")
        return ChannelStateHandle(subtaskIndex: subtask, content: .channel(info: info, offsets: offsets), stateSize: size, delegate: delegate)
    }

    /// `i32 subtask, i64 size, StreamHandle, i32 n, bytes(n)`.
    private static func readMerged(from reader: inout ByteReader) throws -> ChannelStateHandle {
        let subtask = try reader.readI32("a channel state subtask index")
        let size = try reader.readI64("a channel state size")
        let delegate = try StreamStateHandle.readRequired(from: &reader, what: "the stream of a merged channel state handle")
        let length = try reader.readCount("the length of serialized channel offsets")
        let offsets = try reader.readBytes(length, what: "serialized channel offsets")
        return ChannelStateHandle(subtaskIndex: subtask, content: .merged(serializedChannelOffsets: offsets), stateSize: size, delegate: delegate)
    }

    static func writeList(_ handles: [ChannelStateHandle], to writer: inout ByteWriter, input: Bool, typed: Bool) throws {
        try writer.writeElementCount(handles.count, "channel state handles")
        for handle in handles { try handle.write(to: &writer, input: input, typed: typed) }
    }

    func write(to writer: inout ByteWriter, input: Bool, typed: Bool) throws {
        switch content {
        case let .channel(info, offsets):
            if typed { writer.writeU8(Self.typeByte(merged: false, input: input)) }
            writer.writeI32(subtaskIndex)
            writer.writeI32(info.gateOrPartitionIndex)
            writer.writeI32(info.channelOrSubpartitionIndex)
            try writer.writeElementCount(offsets.count, "channel state offsets")
            writer.writeOffsets(offsets)
            writer.writeI64(stateSize)
            try StreamStateHandle.write(delegate, to: &writer)
        case let .merged(serialized):
            guard typed else {
                throw FormatError(offset: writer.count, "merged channel state handles need metadata version 6 or later")
            }
            writer.writeU8(Self.typeByte(merged: true, input: input))
            writer.writeI32(subtaskIndex)
            writer.writeI64(stateSize)
            try StreamStateHandle.write(delegate, to: &writer)
            try writer.writeElementCount(serialized.count, "serialized channel offsets")
            writer.writeBytes(serialized)
        }
    }
}
