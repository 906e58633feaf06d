using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Jamey3.Engine.IO;

/// <summary>
/// Flushing to stable storage. A rename is only durable once the directory that holds it is
/// flushed too; .NET has no API for that, so on Unix it is done through libc.
/// </summary>
public static partial class Durability
{
    /// <summary>Flushes a directory's entries (new, renamed or removed names) to disk. No-op on Windows, where NTFS journals metadata.</summary>
    public static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0) return; // best effort: a directory we cannot open cannot be flushed, and the rename itself already happened
        try { _ = Fsync(fd); }
        finally { _ = Close(fd); }
    }

    /// <summary>Flushes a file's content and size to disk.</summary>
    public static void FlushFile(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        fs.Flush(flushToDisk: true);
    }

    /// <summary>rw------- : what the repository's files get on Unix, whatever the umask (a backup holds the data's secrets).</summary>
    public const UnixFileMode PrivateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    /// <summary>rwx------ : the repository's folders on Unix.</summary>
    public const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>
    /// Creates a folder (and missing parents) readable by its owner only on Unix. On Windows the folder inherits
    /// its parent's ACL, which is never widened. An existing folder is left as it is.
    /// </summary>
    public static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) { Directory.CreateDirectory(path); return; }
        if (Directory.Exists(path)) return;
        // Directory.CreateDirectory(path, mode) gives the mode to the last folder only: create each missing one.
        var missing = new Stack<string>();
        for (var p = Path.GetFullPath(path); p is not null && !Directory.Exists(p); p = Path.GetDirectoryName(p)) missing.Push(p);
        while (missing.TryPop(out var p)) Directory.CreateDirectory(p, PrivateDirectoryMode);
    }

    /// <summary>
    /// Takes group and other permissions away from a folder this process owns (a repository folder made by an older
    /// version under umask 022). Best effort: a folder owned by someone else is left, and false says so.
    /// </summary>
    public static bool RestrictDirectory(string path)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(path)) return true;
        try
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & GroupOrOther) != 0) File.SetUnixFileMode(path, mode & ~GroupOrOther);
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException) { return false; }
    }

    /// <summary>Options that create a file with <paramref name="unixMode"/> on Unix (the umask can only take more away); Windows inherits the ACL.</summary>
    public static FileStreamOptions CreateOptions(UnixFileMode? unixMode, FileShare share = FileShare.None) => new()
    {
        Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = share, BufferSize = 1 << 16,
        UnixCreateMode = unixMode is { } m && !OperatingSystem.IsWindows() ? m : null,
    };

    /// <summary>
    /// The permission bits a repository copy of a file with <paramref name="sourceMode"/> gets: the owner's read and
    /// write bits of the source (never group or other), and always owner-read so the backup stays verifiable.
    /// </summary>
    public static UnixFileMode StoredMode(UnixFileMode? sourceMode) =>
        ((sourceMode ?? PrivateFileMode) & PrivateFileMode) | UnixFileMode.UserRead;

    /// <summary>The permission bits of a mode as four octal digits ("0640"), as manifests record them.</summary>
    public static string FormatMode(UnixFileMode mode) =>
        "0" + Convert.ToString((int)mode & 0x1FF, 8).PadLeft(3, '0');

    /// <summary>As <see cref="WriteFileAtomically(string, ReadOnlySpan{byte}, UnixFileMode?)"/>, readable by the owner only (and its folder private when created).</summary>
    public static void WritePrivateFileAtomically(string path, ReadOnlySpan<byte> content)
    {
        CreatePrivateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        WriteFileAtomically(path, content, PrivateFileMode);
    }

    /// <summary>Writes bytes to a temporary file beside the target, flushes it, renames it over the target and flushes the folder.</summary>
    /// <param name="unixMode">The new file's permissions on Unix; null leaves them to the umask (files others must read, such as metrics).</param>
    public static void WriteFileAtomically(string path, ReadOnlySpan<byte> content, UnixFileMode? unixMode = null)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(temp, CreateOptions(unixMode)))
            {
                fs.Write(content);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            FlushDirectory(dir);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Renames a directory and flushes both parents so the rename survives a power cut.</summary>
    public static void MoveDirectory(string from, string to)
    {
        Directory.Move(from, to);
        FlushDirectory(Path.GetDirectoryName(Path.GetFullPath(to))!);
        var fromParent = Path.GetDirectoryName(Path.GetFullPath(from))!;
        if (!string.Equals(fromParent, Path.GetDirectoryName(Path.GetFullPath(to)), StringComparison.Ordinal))
            FlushDirectory(fromParent);
    }

    /// <summary>Creates a hard link; false when the file system or platform refuses (callers then copy).</summary>
    public static bool TryCreateHardLink(string existing, string link)
    {
        try
        {
            return OperatingSystem.IsWindows()
                ? CreateHardLinkW(link, existing, IntPtr.Zero)
                : Link(existing, link) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Opens a file for reading without following a symbolic link in its last component, and without blocking on a
    /// FIFO. Null when <paramref name="path"/> is a link (ELOOP). Throws FileNotFoundException when it is gone.
    /// Where the platform's flag values are not known here, the path is checked just before an ordinary open.
    /// </summary>
    public static FileStream? OpenNoFollow(string path, int bufferSize = 1 << 16)
    {
        if (NoFollowFlags() is not { } flags)
        {
            if (IsLink(path)) return null;
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize, FileOptions.SequentialScan);
        }
        int fd = Open(path, flags);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == 40 /* ELOOP (Linux) */ || errno == 62 /* ELOOP (macOS) */) return null;
            if (errno == 2 /* ENOENT */) throw new FileNotFoundException($"Could not find file '{path}'.", path);
            throw new IOException($"Could not open '{path}': {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }
        var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
        try { return new FileStream(handle, FileAccess.Read, bufferSize); }
        catch { handle.Dispose(); throw; }
    }

    /// <summary>O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC for this platform, or null where the values are not known here.</summary>
    static int? NoFollowFlags()
    {
        if (OperatingSystem.IsLinux())
            return RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 or Architecture.X86 => 0x20000 | 0x800 | 0x80000,
                Architecture.Arm64 or Architecture.Arm => 0x8000 | 0x800 | 0x80000,
                _ => null,
            };
        if (OperatingSystem.IsMacOS()) return 0x100 | 0x4 | 0x1000000;
        return null;
    }

    /// <summary>A symbolic link, junction or other reparse point at the path itself (dangling ones included).</summary>
    public static bool IsLink(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null) return true;
        try
        {
            if (!info.Exists && !Directory.Exists(path)) return false;
            return File.GetAttributes(path).HasFlag(FileAttributes.ReparsePoint);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return false; } // gone meanwhile
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string link);

    [LibraryImport("kernel32.dll", EntryPoint = "CreateHardLinkW", StringMarshalling = StringMarshalling.Utf16, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool CreateHardLinkW(string link, string existing, IntPtr securityAttributes);
}
