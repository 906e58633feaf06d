using System.Runtime.InteropServices;
using Jamey3.Engine.Data;
using Lucene.Net.Index;
using Lucene.Net.Store;
using Microsoft.Data.Sqlite;
using Directory = System.IO.Directory;

namespace Jamey3.Engine.Restore;

/// <summary>
/// Tells whether Jamey (or any process) has a component of a data directory open for writing.
/// <list type="bullet">
/// <item>An index is held when Lucene's NativeFSLockFactory (IndexWriter's default) says its write.lock is locked:
/// an OS lock the kernel drops when its process dies, so a leftover write.lock file alone does not count.</item>
/// <item>The database: every SQLite connection in WAL mode holds a shared POSIX lock on jamey.db (the
/// SHARED byte range at 1 GiB) and on the DMS byte of jamey.db-shm from its first statement until it closes;
/// a pooled Microsoft.Data.Sqlite connection keeps it after Close(). On Linux these locks are read without
/// side effects with fcntl(F_OFD_GETLK), which also gives the holder's process id. Then, on every platform,
/// a probe connection asks SQLite itself: PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; and a read. In WAL
/// mode that needs an exclusive lock on the database file, which SQLite grants only when no other connection
/// is open; busy means in use. When it succeeds, closing the probe checkpoints a leftover -wal into jamey.db
/// (the same data, self-contained), so the probe runs only right before a swap, never before verification.</item>
/// </list>
/// A process that opened the database without running a statement holds no lock and is not detected; it
/// has read nothing and SQLite re-reads the file when it first does.
/// </summary>
public static class DataInUse
{
    public sealed record Holder(JameyComponent Component, string Path, string? Process);

    /// <summary>Every component in <paramref name="components"/> that some process holds open for writing.</summary>
    /// <param name="probeDatabase">Also run the SQLite probe (see the class remarks); it may checkpoint a leftover -wal.</param>
    public static IReadOnlyList<Holder> Find(string dataPath, IEnumerable<JameyComponent> components, bool probeDatabase)
    {
        var holders = new List<Holder>();
        foreach (var c in components)
        {
            var path = DataLayout.FullPath(dataPath, c);
            var holder = c == JameyComponent.Database ? CheckDatabase(path, probeDatabase) : CheckIndex(path);
            if (holder is not null) holders.Add(new Holder(c, path, holder.Length == 0 ? null : holder));
        }
        return holders;
    }

    /// <summary>Throws <see cref="DataInUseException"/> for the first component held open.</summary>
    public static void EnsureFree(string dataPath, IEnumerable<JameyComponent> components, bool probeDatabase)
    {
        var held = Find(dataPath, components, probeDatabase);
        if (held.Count > 0) throw new DataInUseException(held[0].Path, held[0].Process, held[0].Component);
    }

    /// <summary>Null when free; otherwise the holder's description, or "" when it is not known.</summary>
    static string? CheckIndex(string indexPath)
    {
        if (!Directory.Exists(indexPath)) return null;
        var lockFile = Path.Combine(indexPath, IndexWriter.WRITE_LOCK_NAME);
        if (!File.Exists(lockFile)) return null; // IndexWriter creates write.lock when it opens: no file, no writer
        bool locked;
        var info = new DirectoryInfo(indexPath);
        try
        {
            // Lucene's own test, right for each platform's lock (a share-mode lock on Linux and macOS, a byte-range lock
            // on Windows). It opens the existing file without creating, deleting or writing anything. Obtain() is not
            // used: on Linux Lucene.Net 4.8 takes a shared flock, which never conflicts with the writer's, and its lock
            // file is delete-on-close, so a probe that "obtained" it would delete the running writer's write.lock.
            using var dir = FSDirectory.Open(info, new NativeFSLockFactory(info));
            locked = IndexWriter.IsLocked(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"an unknown process (write.lock could not be tested: {e.Message})";
        }
        return locked ? ProcessesWithOpenFile(lockFile) ?? "" : null;
    }

    static string? CheckDatabase(string dbPath, bool probe)
    {
        if (!File.Exists(dbPath)) return null;
        // Our own pooled connections would look like another holder and closing a handle drops POSIX locks.
        SqliteConnection.ClearAllPools();
        var byLock = PosixLockHolder(dbPath, 0x4000_0000, 512) ?? PosixLockHolder(dbPath + "-shm", 120, 9);
        if (byLock is not null) return byLock;
        if (!probe) return null;
        return ProbeExclusive(dbPath) ? null : ProcessesWithOpenFile(dbPath) ?? "";
    }

    /// <summary>True when SQLite grants an exclusive lock on the database, i.e. no other connection has it open.</summary>
    internal static bool ProbeExclusive(string dbPath)
    {
        var cs = new SqliteConnectionStringBuilder
        {
            DataSource = dbPath, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = 1,
        }.ToString();
        try
        {
            using var c = new SqliteConnection(cs);
            c.Open();
            // One statement per command: Microsoft.Data.Sqlite may end a multi-statement batch silently at a busy step.
            Exec(c, "PRAGMA locking_mode=EXCLUSIVE");
            Exec(c, "BEGIN EXCLUSIVE");
            Exec(c, "SELECT count(*) FROM sqlite_master");
            Exec(c, "ROLLBACK");
            return true;
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6) // SQLITE_BUSY, SQLITE_LOCKED
        {
            return false;
        }
        catch (SqliteException)
        {
            return true; // not a database SQLite can open (damaged): nobody can be using it as one; it is being replaced
        }
    }

    static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        while (r.Read()) { }
    }

    // ---- Linux: read POSIX record locks without taking any (fcntl F_OFD_GETLK) ----

    [StructLayout(LayoutKind.Sequential)]
    struct Flock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid;
    }

    const int OpenReadOnly = 0, OpenCloseOnExec = 0x80000, FOfdGetLk = 36;
    const short WriteLock = 1, Unlocked = 2;

    /// <summary>Description of a process holding any lock in the range, or null (free, or not Linux x64/arm64, or the check failed).</summary>
    static string? PosixLockHolder(string path, long start, long length)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64)) return null;
        if (!File.Exists(path)) return null;
        try
        {
            int fd = Native.Open(path, OpenReadOnly | OpenCloseOnExec);
            if (fd < 0) return null;
            try
            {
                var fl = new Flock { Type = WriteLock, Whence = 0, Start = start, Length = length, Pid = 0 };
                if (Native.Fcntl(fd, FOfdGetLk, ref fl) != 0 || fl.Type == Unlocked) return null;
                return fl.Pid > 0 ? DescribeProcess(fl.Pid) : ProcessesWithOpenFile(path) ?? "";
            }
            finally { Native.Close(fd); }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }

    static class Native
    {
        [DllImport("libc", EntryPoint = "open")] public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
        [DllImport("libc", EntryPoint = "close")] public static extern int Close(int fd);
        [DllImport("libc", EntryPoint = "fcntl")] public static extern int Fcntl(int fd, int cmd, ref Flock flock);
    }

    /// <summary>On Linux, the processes that have <paramref name="path"/> open (from /proc/*/fd); null when unknown.</summary>
    static string? ProcessesWithOpenFile(string path)
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc")) return null;
        var full = Path.GetFullPath(path);
        var pids = new List<int>();
        try
        {
            foreach (var procDir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(procDir), out var pid)) continue;
                try
                {
                    foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(procDir, "fd")))
                    {
                        if (new FileInfo(fd).LinkTarget == full) { pids.Add(pid); break; }
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        return pids.Count == 0 ? null : string.Join(", ", pids.Take(3).Select(DescribeProcess));
    }

    static string DescribeProcess(int pid)
    {
        if (pid == Environment.ProcessId) return $"this process ({pid})";
        try
        {
            var cmd = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
            if (cmd.Length > 120) cmd = cmd[..117] + "...";
            return cmd.Length > 0 ? $"process {pid} ({cmd})" : $"process {pid}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return $"process {pid}"; }
    }
}
