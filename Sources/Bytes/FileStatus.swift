#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the file system says about a path, with the OS's own reason (`strerror`) when the path
/// cannot be used, so every command names the same cause for a missing, unreadable or odd file.
public enum FileStatus: Equatable, Sendable {
    case regularFile(size: Int64)
    case directory
    /// Something that is neither a regular file nor a directory: a device, FIFO or socket.
    case special(String)
    /// `stat` or `open` says there is nothing there (`ENOENT`, `ENOTDIR`).
    case missing(String)
    /// `stat` or `open` failed for another reason, e.g. "Permission denied".
    case unusable(String)

    /// The status of `path` by `stat` (symbolic links followed).
    public static func of(_ path: String) -> FileStatus {
        var st = stat()
        guard stat(path, &st) == 0 else { return failure(errno) }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .regularFile(size: Int64(st.st_size))
        case S_IFDIR: return .directory
        case S_IFCHR: return .special("a character device")
        case S_IFBLK: return .special("a block device")
        case S_IFIFO: return .special("a FIFO")
        case S_IFSOCK: return .special("a socket")
        default: return .special("not a regular file")
        }
    }

    /// Like `of`, and for a regular file also whether this process may open it for reading (what
    /// `stat` alone cannot tell: a file without read permission, or below a directory without it).
    public static func readable(_ path: String) -> FileStatus {
        let status = of(path)
        guard case .regularFile = status else { return status }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return failure(errno) }
        close(fd)
        return status
    }

    /// The directory can be listed (opened for reading).
    public static func listable(_ path: String) -> FileStatus {
        let status = of(path)
        guard status == .directory else { return status }
        guard let dir = opendir(path) else { return failure(errno) }
        closedir(dir)
        return status
    }

    static func failure(_ code: Int32) -> FileStatus {
        let reason = String(cString: strerror(code))
        return code == ENOENT || code == ENOTDIR ? .missing(reason) : .unusable(reason)
    }

    public var isRegularFile: Bool { if case .regularFile = self { return true } else { return false } }
    public var isMissing: Bool { if case .missing = self { return true } else { return false } }

    /// Why a state file at this path cannot be read, in one phrase; nil for a readable regular file.
    public var problemAsFile: String? {
        switch self {
        case .regularFile: return nil
        case .directory: return "is a directory, not a file"
        case let .special(what): return "is \(what), not a regular file"
        case let .missing(reason), let .unusable(reason): return reason
        }
    }
}
