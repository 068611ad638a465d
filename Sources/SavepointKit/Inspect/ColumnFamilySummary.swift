import LSMFormat

extension InspectReport.ColumnFamily {
    /// Sums one column family over the instances (subtasks) of an operator, from the MANIFEST and
    /// the tables' properties.
    static func summarize(_ instances: [FlinkRocksDBState]) -> [InspectReport.ColumnFamily] {
        var order: [String] = []
        var byName: [String: InspectReport.ColumnFamily] = [:]
        for instance in instances {
            for cf in instance.columnFamilies {
                var s = byName[cf.name] ?? InspectReport.ColumnFamily(
                    name: cf.name, state: cf.stateIndex.map { instance.proxy.states[$0].name },
                    sstCount: 0, totalSize: 0, rawEntries: 0, compression: [], levels: [], indexType: "binary-search")
                if byName[cf.name] == nil { order.append(cf.name) }
                s.sstCount += cf.files.count
                s.totalSize += cf.files.reduce(Int64(0)) { $0 + Int64(clamping: $1.file.size) }
                s.rawEntries += cf.tables.reduce(Int64(0)) { $0 + Int64(clamping: $1.properties.entryCount ?? 0) }
                for table in cf.tables {
                    if let c = table.properties.compression, !s.compression.contains(c) { s.compression.append(c) }
                    if table.properties.indexType == .twoLevel { s.indexType = "two-level" }
                }
                for (level, _) in cf.files where !s.levels.contains(level) { s.levels.append(level) }
                s.levels.sort()
                byName[cf.name] = s
            }
        }
        return order.compactMap { byName[$0] }
    }
}
