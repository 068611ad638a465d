extension Array where Element == Int {
    /// The first element greater than `value` in this ascending array (binary search): where the
    /// block starting at `value` ends, among a stream's recorded offsets.
    func firstGreater(than value: Int) -> Int? {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid] > value { high = mid } else { low = mid + 1 }
        }
        return low < count ? self[low] : nil
    }
}
