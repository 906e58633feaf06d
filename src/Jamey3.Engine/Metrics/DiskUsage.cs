using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Jamey3.Engine.Metrics;

/// <summary>
/// Bytes a folder's files take, each file counted once however many hard links it has, the way
/// <c>du --apparent-size</c> counts: backups hard-link unchanged index files from the previous
/// backup, so summing every path would count a shared file once per backup that holds it.
/// </summary>
/// <remarks>
/// A file is identified by its device and inode number, read with <c>lstat</c> on 64-bit Linux
/// (where <c>st_dev</c> and <c>st_ino</c> are the first two 64-bit fields of <c>struct stat</c> on
/// every architecture .NET runs on), and by its volume serial number and file index on Windows.
/// Elsewhere (macOS, 32-bit Linux) every path is counted, which over-counts shared files; so is a
/// Windows file whose identity cannot be read. The Windows path is not exercised by the tests here.
/// Sizes are apparent sizes (file lengths), not allocated blocks. Symbolic links are neither
/// followed nor counted. Files and folders that vanish during the walk (a backup being published
/// or removed by another process) are skipped; any other failure throws.
/// </remarks>
public static partial class DiskUsage
{
    /// <summary>True when hard-linked files are recognised on this platform (see remarks).</summary>
    public static bool CountsHardLinksOnce =>
        OperatingSystem.IsWindows() || (OperatingSystem.IsLinux() && Environment.Is64BitProcess);

    /// <summary>The bytes of the regular files under <paramref name="root"/> (which must exist), hard links counted once.</summary>
    public static long Measure(string root, CancellationToken ct = default)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"The folder '{root}' does not exist.");
        return Measure(root, new HashSet<(ulong Device, ulong File)>(), ct);
    }

    /// <summary>The bytes of the regular files under all of <paramref name="roots"/> together, a file linked from several counted once. Missing roots count 0.</summary>
    public static long Measure(IEnumerable<string> roots, CancellationToken ct = default)
    {
        var seen = new HashSet<(ulong Device, ulong File)>();
        long total = 0;
        foreach (var root in roots)
        {
            try { total += Measure(root, seen, ct); }
            catch (DirectoryNotFoundException) { } // removed meanwhile
        }
        return total;
    }

    static long Measure(string root, HashSet<(ulong Device, ulong File)> seen, CancellationToken ct)
    {
        long total = 0;
        var top = new DirectoryInfo(root);
        var pending = new Stack<DirectoryInfo>();
        pending.Push(top);
        while (pending.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            var dir = pending.Pop();
            FileSystemInfo[] entries;
            try { entries = dir.GetFileSystemInfos(); }
            catch (DirectoryNotFoundException) when (!ReferenceEquals(dir, top))
            {
                continue; // removed meanwhile (retention, a staging folder renamed into backups/)
            }
            foreach (var entry in entries)
            {
                if (entry.Attributes.HasFlag(FileAttributes.ReparsePoint)) continue; // symbolic link or junction
                if (entry is DirectoryInfo sub)
                {
                    pending.Push(sub);
                    continue;
                }
                var file = (FileInfo)entry;
                long length;
                try { length = file.Length; }
                catch (FileNotFoundException) { continue; }
                var id = Identify(file.FullName);
                if (id is null) continue; // vanished
                if (id.Value == (0, 0) || seen.Add(id.Value)) total += length;
            }
        }
        return total;
    }

    /// <summary>The file's (device, file) identity; (0, 0) when the platform has none; null when the file is gone.</summary>
    static (ulong Device, ulong File)? Identify(string path)
    {
        if (OperatingSystem.IsLinux() && Environment.Is64BitProcess) return IdentifyLinux(path);
        if (OperatingSystem.IsWindows()) return IdentifyWindows(path);
        return (0, 0);
    }

    /// <summary>
    /// A regular file's length and hard-link count, read with one lstat (Linux, 64-bit) or one attribute-only open
    /// (Windows): the listing reads each stored file once anyway, so knowing which are shared costs nothing more.
    /// Null when the path is missing; Links is 0 where the platform gives no count (then sharing is unknown);
    /// IsFile false for a link, folder or other non-regular entry.
    /// </summary>
    public static (long Length, long Links, bool IsFile)? FileLinks(string path)
    {
        if (OperatingSystem.IsLinux() && Environment.Is64BitProcess) return FileLinksLinux(path);
        if (OperatingSystem.IsWindows())
        {
            var info = new FileInfo(path);
            if (!info.Exists) return null;
            if (info.Attributes.HasFlag(FileAttributes.ReparsePoint)) return (info.Length, 0, false);
            using var handle = CreateFileW(path, FileReadAttributes, FileShareAll, IntPtr.Zero, OpenExisting, FileFlagOpenReparsePoint, IntPtr.Zero);
            return !handle.IsInvalid && GetFileInformationByHandle(handle, out var h) ? (info.Length, h.NumberOfLinks, true) : (info.Length, 0, true);
        }
        var fi = new FileInfo(path);
        return fi.Exists ? (fi.Length, 0, !fi.Attributes.HasFlag(FileAttributes.ReparsePoint)) : null;
    }

    static unsafe (long, long, bool)? FileLinksLinux(string path)
    {
        byte* buffer = stackalloc byte[512];
        int version = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 1 : 0;
        int rc;
        if (!_useLegacyLstat)
        {
            try { rc = LStat(path, buffer); }
            catch (EntryPointNotFoundException) { _useLegacyLstat = true; rc = LegacyLStat(version, path, buffer); }
        }
        else rc = LegacyLStat(version, path, buffer);
        if (rc != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR) return null;
            throw new IOException($"Could not read '{path}' (lstat failed: {Marshal.GetPInvokeErrorMessage(errno)}).", errno);
        }
        // x86-64: st_nlink is a 64-bit field at 16, st_mode 32 bits at 24; the generic layout (arm64, riscv64...):
        // st_mode at 16, st_nlink 32 bits at 20. st_size is at 48 in both.
        bool x64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;
        long links = x64 ? (long)*(ulong*)(buffer + 16) : *(uint*)(buffer + 20);
        uint mode = x64 ? *(uint*)(buffer + 24) : *(uint*)(buffer + 16);
        long size = *(long*)(buffer + 48);
        const uint S_IFMT = 0xF000, S_IFREG = 0x8000;
        return (size, links, (mode & S_IFMT) == S_IFREG);
    }

    const int ENOENT = 2;
    const int ENOTDIR = 20;
    static bool _useLegacyLstat;

    static unsafe (ulong, ulong)? IdentifyLinux(string path)
    {
        // struct stat is 144 bytes on x86-64 and 128 on arm64; room to spare for the others.
        byte* buffer = stackalloc byte[512];
        int rc;
        if (!_useLegacyLstat)
        {
            try { rc = LStat(path, buffer); }
            catch (EntryPointNotFoundException)
            {
                _useLegacyLstat = true; // glibc before 2.33 exports only __lxstat
                rc = LegacyLStat(RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 1 : 0, path, buffer);
            }
        }
        else
        {
            rc = LegacyLStat(RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 1 : 0, path, buffer);
        }
        if (rc != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR) return null;
            throw new IOException($"Could not read the identity of '{path}' (lstat failed: {Marshal.GetPInvokeErrorMessage(errno)}).", errno);
        }
        return (((ulong*)buffer)[0], ((ulong*)buffer)[1]);
    }

    static (ulong, ulong)? IdentifyWindows(string path)
    {
        // Attribute-only access: no sharing violation even with a file another process holds with
        // FileShare.None (the repository's writer.lock during a backup).
        using var handle = CreateFileW(path, FileReadAttributes, FileShareAll, IntPtr.Zero, OpenExisting,
            FileFlagBackupSemantics | FileFlagOpenReparsePoint, IntPtr.Zero);
        if (handle.IsInvalid)
        {
            int error = Marshal.GetLastPInvokeError();
            if (error is 2 or 3) return null; // ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND: vanished
            return (0, 0); // identity unknown: count it rather than fail the whole measure
        }
        if (!GetFileInformationByHandle(handle, out var info)) return (0, 0);
        return (info.VolumeSerialNumber, ((ulong)info.FileIndexHigh << 32) | info.FileIndexLow);
    }

    const uint FileReadAttributes = 0x80;
    const uint FileShareAll = 0x1 | 0x2 | 0x4;
    const uint OpenExisting = 3;
    const uint FileFlagBackupSemantics = 0x02000000;
    const uint FileFlagOpenReparsePoint = 0x00200000;

    [LibraryImport("kernel32.dll", EntryPoint = "CreateFileW", StringMarshalling = StringMarshalling.Utf16, SetLastError = true)]
    private static partial SafeFileHandle CreateFileW(string path, uint access, uint share, IntPtr security, uint creation, uint flags, IntPtr template);

    [LibraryImport("libc", EntryPoint = "lstat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int LStat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "__lxstat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int LegacyLStat(int version, string path, byte* buffer);

    [StructLayout(LayoutKind.Sequential, Pack = 4)] // FILETIMEs are pairs of DWORDs: 4-byte aligned
    struct ByHandleFileInformation
    {
        public uint FileAttributes;
        public long CreationTime;
        public long LastAccessTime;
        public long LastWriteTime;
        public uint VolumeSerialNumber;
        public uint FileSizeHigh;
        public uint FileSizeLow;
        public uint NumberOfLinks;
        public uint FileIndexHigh;
        public uint FileIndexLow;
    }

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool GetFileInformationByHandle(SafeFileHandle file, out ByHandleFileInformation info);
}
