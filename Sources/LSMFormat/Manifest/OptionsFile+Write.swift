/// Writes an OPTIONS-NNNNNN file with the options Flink's RocksDB backend runs with, the mirror of
/// `OptionsFile`'s parser. RocksDB does not read this file on open (Flink passes its options from
/// code), but tools do (`ldb --try_load_options` builds the merge operator from it). Only options
/// that both 6.20 and 8.10 know are written; RocksDB fills in the defaults of the others.
extension OptionsFile {
    public static func render(
        columnFamilies: [ColumnFamilyLayout], table: TableOptions
    ) -> [UInt8] {
        var families = columnFamilies.sorted { $0.id < $1.id }
        if families.first?.id != 0 { families.insert(ColumnFamilyLayout(id: 0, name: Version.defaultColumnFamilyName), at: 0) }
        var text = """
            # This is a RocksDB option file.
            #
            # Written by savepoint (Flink savepoint toolkit) for \(table.release).
            #

            [Version]
              rocksdb_version=\(table.release.version)
              options_file_version=1.1

            [DBOptions]
              create_if_missing=true
              create_missing_column_families=false
              avoid_flush_during_shutdown=true
              use_fsync=false
              stats_dump_period_sec=0
              max_open_files=-1


            """
        for family in families {
            text += """
                [CFOptions "\(escaped(family.name))"]
                  comparator=\(family.comparator)
                  merge_operator=\(mergeOperator(family.mergeOperator, table.release))
                  compression=\(compressionName(table.compression))
                  num_levels=\(Manifest.levelCount)
                  table_factory=BlockBasedTable

                [TableOptions/BlockBasedTable "\(escaped(family.name))"]
                  format_version=\(table.formatVersion)
                  checksum=\(checksumName(table.checksum))
                  block_size=\(table.blockSize)
                  block_size_deviation=\(table.blockSizeDeviation)
                  block_restart_interval=\(table.blockRestartInterval)
                  index_block_restart_interval=\(table.indexBlockRestartInterval)
                  index_type=kBinarySearch
                  data_block_index_type=kDataBlockBinarySearch
                  index_shortening=kShortenSeparators
                  enable_index_compression=\(table.compressIndex)
                  filter_policy=nullptr
                  whole_key_filtering=true
                  block_align=false


                """
        }
        return Array(text.utf8)
    }

    /// 8.x prints customizable objects as `{id=…;options}`; 6.20 prints the bare name.
    private static func mergeOperator(_ name: String?, _ release: RocksDBRelease) -> String {
        guard let name else { return "nullptr" }
        guard release == .frocksdb8_10, name == TableOptions.flinkMergeOperator else { return name }
        return "{id=\(name);delimiter=,;}"
    }

    /// Section names are quoted; RocksDB escapes `\` and `"` inside them.
    private static func escaped(_ name: String) -> String {
        var out = ""
        for c in name {
            if c == "\\" || c == "\"" { out.append("\\") }
            out.append(c)
        }
        return out
    }

    static func compressionName(_ c: BlockCompression) -> String {
        switch c {
        case .none: "kNoCompression"
        case .snappy: "kSnappyCompression"
        case .zlib: "kZlibCompression"
        case .bzip2: "kBZip2Compression"
        case .lz4: "kLZ4Compression"
        case .lz4hc: "kLZ4HCCompression"
        case .xpress: "kXpressCompression"
        case .zstd: "kZSTD"
        case .zstdNotFinal: "kZSTDNotFinalCompression"
        }
    }

    static func checksumName(_ c: ChecksumType) -> String {
        switch c {
        case .none: "kNoChecksum"
        case .crc32c: "kCRC32c"
        case .xxHash: "kxxHash"
        case .xxHash64: "kxxHash64"
        case .xxh3: "kXXH3"
        }
    }
}
