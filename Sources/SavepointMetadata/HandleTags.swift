/// The one-byte type tags `MetadataV2V3SerializerBase` writes in front of every state handle.
///
/// Stream, keyed and operator handles share one number space in Flink, so one table keeps them
/// from colliding when a new kind is added.
enum HandleTag {
    static let null: UInt8 = 0
    static let byteStream: UInt8 = 1
    static let file: UInt8 = 2
    static let keyGroups: UInt8 = 3
    static let operatorStream: UInt8 = 4
    static let incrementalKeyGroups: UInt8 = 5
    static let relativeFile: UInt8 = 6
    static let savepointKeyGroups: UInt8 = 7
    static let changelog: UInt8 = 8
    static let changelogByteIncrement: UInt8 = 9
    static let changelogFileIncrement: UInt8 = 10
    static let incrementalKeyGroupsV2: UInt8 = 11
    static let keyGroupsV2: UInt8 = 12
    static let changelogFileIncrementV2: UInt8 = 13
    static let changelogV2: UInt8 = 14
    static let segmentFile: UInt8 = 15
    static let emptySegmentFile: UInt8 = 16
    static let fileMergingOperatorStream: UInt8 = 17
}

/// Handles can nest (a key-groups handle used as a stream handle, changelog handles holding keyed
/// handles). Real files nest two or three deep; the bound keeps hostile input from exhausting the stack.
let maximumHandleNesting = 32
