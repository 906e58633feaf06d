using System.Runtime.InteropServices;

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

    /// <summary>Writes bytes to a temporary file beside the target, flushes it, renames it over the target and flushes the folder.</summary>
    public static void WriteFileAtomically(string path, ReadOnlySpan<byte> content)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
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

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
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
