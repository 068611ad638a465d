import Foundation
import Bytes
import CanonicalFormat
import LSMFormat

/// The deep check of one table of a state's column family (`Validator.checkLSMTable`), the visitor
/// the table walk is specialized for: an entry the state's `InPlaceEntryCheck` accepts (as the
/// layout type `Layout`, for which this and the walk are specialized) is checked here, its key
/// compared by bytes with the last one and hashed (Flink's murmur hash) only when it is another;
/// any other entry takes the general path (`checkEntryInPlace`, else decoding), with the same
/// findings and counts as if every entry had.
///
/// It holds the validator it checks for by pointer (`Validator.checkLSMTable` lends it), and the
/// last key in a buffer of its own, handed to the validator's `lastKeyBytes` around the general
/// path: per entry, nothing is retained, released or copied but a new key.
struct LSMTableCheck<Layout: InPlaceLayout>: RawEntryVisitor {
    let validator: UnsafeMutablePointer<Validator>
    let instance: FlinkRocksDBState
    let context: KeyedCheckContext
    let stateIndex: Int
    /// The column family walked and the instance's key-group prefix: every entry's (for the
    /// general path, which takes whole entries).
    let familyIndex: Int, keyGroupPrefixBytes: Int
    /// The state's in-place layout (`InPlaceEntryCheck.specialize`; nil: none, every entry takes
    /// the general path).
    let program: Layout?
    let renderer: Unmanaged<CanonicalEntryJSON>?
    let hasher: KeyHash?
    let maxParallelism: Int
    /// The last key checked here (`LastKeyBytes`' fields): `lastCount` bytes, of key group
    /// `lastGroup` (-1: none).
    private var lastKey: UnsafeMutablePointer<UInt8>
    private var lastCapacity = 64, lastCount = 0, lastGroup = -1
    private var lastExact = true
    /// Counted here, added to the validator's at the end.
    private var entries = 0, hashed = 0

    init(validator: UnsafeMutablePointer<Validator>, instance: FlinkRocksDBState, context: KeyedCheckContext, stateIndex: Int,
         familyIndex: Int, program: Layout?) {
        self.validator = validator
        self.instance = instance
        self.context = context
        self.stateIndex = stateIndex
        self.familyIndex = familyIndex
        keyGroupPrefixBytes = instance.keyGroupPrefixBytes
        self.program = program
        // Held unretained (the context keeps it alive): a lookup per entry retains it.
        renderer = context.renderers[stateIndex].map(Unmanaged.passUnretained)
        hasher = context.hashers[stateIndex]
        maxParallelism = context.op.maxParallelism
        lastKey = .allocate(capacity: lastCapacity)
        fromValidator()
    }

    /// Adds the counts to the validator and leaves it the last key; frees the buffer.
    mutating func finish() {
        validator.pointee.checked.keyedEntries += entries
        validator.pointee.checked.keysHashChecked += hashed
        (entries, hashed) = (0, 0)
        toValidator()
        lastKey.deallocate()
    }

    @inline(__always)
    mutating func visit(_ entry: FlinkRocksDBState.RawEntry) throws {
        if let program {
            let key = entry.keyAfterPrefix
            if let keyLength = program.check(key: key, value: entry.value),
               checkKey(key.baseAddress! + program.keyOffset, length: keyLength, keyGroup: entry.keyGroup, program) {
                return
            }
        }
        try declined(keyGroup: entry.keyGroup, key: entry.key, value: entry.value)
    }

    /// An entry `program` declined (or every entry, without one): the general path, with the
    /// last key handed over. Out of line, as are the findings: the per-entry path above is a few
    /// dozen instructions, and inlined, this one's calls made its frame 1.5 KB of spills. Given
    /// the entry's parts, not the entry: passed whole (by address), it was stored to memory for
    /// every entry.
    @inline(never)
    private mutating func declined(keyGroup: Int, key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) throws {
        let entry = FlinkRocksDBState.RawEntry(stateIndex: stateIndex, keyGroup: keyGroup, key: key, value: value,
                                               familyIndex: familyIndex, keyGroupPrefixBytes: keyGroupPrefixBytes)
        guard program != nil else { return try general(entry) }
        toValidator()
        defer { fromValidator() }
        try general(entry)
    }

    /// `Validator.checkKeyBytes` for a key `program` accepted (ASCII or Long, so equal keys are
    /// equal bytes); false, with nothing counted, where it cannot tell without decoding (the
    /// last key was not one whose bytes decide).
    @_transparent
    private mutating func checkKey(_ key: UnsafePointer<UInt8>, length: Int, keyGroup: Int, _ program: Layout) -> Bool {
        if lastGroup == keyGroup {
            if lastCount == length, Self.equal(key, lastKey, length) {
                entries &+= 1
                return true
            }
            if !lastExact { return false }
        }
        if length > lastCapacity {
            lastKey.deallocate()
            lastCapacity = 2 * length
            lastKey = .allocate(capacity: lastCapacity)
        }
        SmallCopy.copy(key, to: lastKey, count: length)
        (lastCount, lastGroup, lastExact) = (length, keyGroup, true)
        // Counts of entries: they cannot overflow an Int.
        entries &+= 1
        let maxP = maxParallelism
        guard maxP >= 1 else { return true }
        hashed &+= 1
        // `FlinkHashing.keyGroup(forHashCode:maxParallelism:)`; the murmur hash is not negative,
        // so a power-of-two max parallelism (Flink's default ones) takes its low bits.
        let murmur = Int(FlinkHashing.murmurHash(program.hashCode(key, length: length)))
        let expected = maxP & (maxP - 1) == 0 ? murmur & (maxP - 1) : murmur % maxP
        if expected != keyGroup { reportMismatch(key, length: length, keyGroup: keyGroup, expected: expected) }
        return true
    }

    @inline(never)
    private func reportMismatch(_ key: UnsafePointer<UInt8>, length: Int, keyGroup: Int, expected: Int) {
        validator.pointee.reportKeyGroupMismatch(UnsafeBufferPointer(start: key, count: length), keyGroup: keyGroup,
                                                 expected: expected, stateIndex: stateIndex, context)
    }

    @inline(__always)
    private static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        func word(_ p: UnsafePointer<UInt8>, _ at: Int) -> UInt64 { UnsafeRawPointer(p + at).loadUnaligned(as: UInt64.self) }
        if (8...16).contains(n) { return word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8) }
        return memcmp(a, b, n) == 0
    }

    /// Today's path for an entry: the renderer in place, else decoding (which throws the error).
    private mutating func general(_ entry: FlinkRocksDBState.RawEntry) throws {
        if let renderer, validator.pointee.checkEntryInPlace(key: entry.keyAfterPrefix, value: entry.value, stateIndex: stateIndex,
                                                             keyGroup: entry.keyGroup, renderer: renderer, hasher: hasher, context) {
            return
        }
        try validator.pointee.checkDecoded(entry, of: instance, context)
    }

    private func toValidator() {
        validator.pointee.lastKeyBytes.set(UnsafeBufferPointer(start: lastKey, count: lastCount))
        validator.pointee.lastKeyBytes.group = lastGroup
        validator.pointee.lastKeyBytes.exact = lastExact
    }

    private mutating func fromValidator() {
        let last = validator.pointee.lastKeyBytes
        if last.count > lastCapacity {
            lastKey.deallocate()
            lastCapacity = 2 * last.count
            lastKey = .allocate(capacity: lastCapacity)
        }
        last.copyBytes(to: lastKey)
        (lastCount, lastGroup, lastExact) = (last.count, last.group, last.exact)
    }
}

/// The state's in-place check for `LSMTableCheck`, with no layout: every entry takes the general
/// path.
struct NoInPlaceLayout: InPlaceLayout {
    var keyOffset: Int { 0 }
    func check(key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> Int? { nil }
    func hashCode(_ key: UnsafePointer<UInt8>, length: Int) -> Int32 { 0 }
}
