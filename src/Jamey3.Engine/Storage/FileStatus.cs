using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Jamey3.Engine.Storage;

/// <summary>
/// What the file system says about one inode without opening it: which inode it is, its size, and the two times the
/// kernel moves on any change (<c>mtime</c> on a write; <c>ctime</c> on a write, a link, an unlink, a chmod, and never
/// settable from user space). Two equal identities taken at different moments mean nobody changed the file through
/// the file system in between, which is what lets a backup trust stored bytes it hashed before (docs/repository-format.md).
/// </summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode, long Size, long ModifiedNs, long ChangedNs, uint Links);

/// <summary>Linux-only file facts (statx, sync_file_range); elsewhere every member says "unknown" and callers take the slow, safe path.</summary>
public static partial class FileStatus
{
    static bool _noStatx, _noSyncRange;

    /// <summary>
    /// The identity of the regular file at <paramref name="path"/>, not following a link; null when it is not a regular
    /// file, is gone, or the platform has no statx (then the caller re-reads the bytes instead of trusting anything).
    /// </summary>
    public static unsafe FileIdentity? Of(string path)
    {
        if (!OperatingSystem.IsLinux() || _noStatx) return null;
        byte* buf = stackalloc byte[256];
        try
        {
            if (Statx(-100 /* AT_FDCWD */, path, 0x100 /* AT_SYMLINK_NOFOLLOW */, 0x7ff /* STATX_BASIC_STATS */, buf) != 0) return null;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            _noStatx = true; // an old C library: fall back to hashing
            return null;
        }
        // struct statx is the same on every Linux architecture (include/uapi/linux/stat.h).
        const uint basic = 0x7ff;
        if ((*(uint*)buf & basic) != basic) return null; // a file system that did not fill every field
        ushort mode = *(ushort*)(buf + 28);
        if ((mode & 0xF000) != 0x8000 /* S_IFREG */) return null;
        static long Ns(byte* t) => *(long*)t * 1_000_000_000L + *(uint*)(t + 8);
        ulong dev = ((ulong)*(uint*)(buf + 136) << 32) | *(uint*)(buf + 140);
        return new FileIdentity(dev, *(ulong*)(buf + 32), (long)*(ulong*)(buf + 40), Ns(buf + 112), Ns(buf + 96), *(uint*)(buf + 16));
    }

    /// <summary>
    /// Starts writing a file's dirty pages to disk without waiting (Linux), so the single flush pass before publishing
    /// finds them mostly written and the page cache never holds a whole backup's worth of dirty data. Not a flush.
    /// </summary>
    public static void StartWriteback(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux() || _noSyncRange || handle.IsInvalid) return;
        try { _ = SyncFileRange((int)handle.DangerousGetHandle(), 0, 0, 2 /* SYNC_FILE_RANGE_WRITE */); }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { _noSyncRange = true; }
    }

    /// <summary>
    /// Flushes a file's data and size to disk. On Unix through a read-only descriptor (fsync needs no write access, and a
    /// stored file may be read-only: it keeps its source's owner bits); on Windows through a handle that may write.
    /// </summary>
    public static void Flush(string path)
    {
        if (OperatingSystem.IsWindows()) { IO.Durability.FlushFile(path); return; }
        int fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0) throw new IOException($"Could not open '{path}' to flush it: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"Could not flush '{path}' to disk: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        finally { _ = Close(fd); }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(int fd, long offset, long nbytes, uint flags);
}
