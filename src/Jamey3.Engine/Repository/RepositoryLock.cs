using System.Diagnostics;
using System.Text.Json;
using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Repository;

/// <summary>
/// The one-writer-at-a-time lock of a repository. It is an open handle with no sharing
/// (flock on Unix, a share-mode lock on Windows), so the operating system releases it when its
/// process dies: a lock left by a killed process is stale by construction and is simply taken over.
/// A JSON file beside it names the holder for "busy" messages.
/// </summary>
public sealed class RepositoryLock : IDisposable
{
    readonly FileStream _handle;
    readonly string _holderPath;

    RepositoryLock(FileStream handle, string holderPath, LockHolder? previous)
    {
        _handle = handle;
        _holderPath = holderPath;
        RecoveredFrom = previous;
    }

    /// <summary>The holder recorded by a process that died holding the lock, when this acquisition took it over.</summary>
    public LockHolder? RecoveredFrom { get; }

    public sealed record LockHolder(int ProcessId, string Host, string Operation, DateTimeOffset Since)
    {
        public override string ToString() => $"{Operation} (process {ProcessId} on {Host}, since {Since:u})";
    }

    public static RepositoryLock Acquire(string locksDirectory, string repository, string operation, TimeSpan timeout, CancellationToken ct)
    {
        Directory.CreateDirectory(locksDirectory);
        var lockPath = Path.Combine(locksDirectory, "writer.lock");
        var holderPath = Path.Combine(locksDirectory, "writer.json");
        var watch = Stopwatch.StartNew();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var handle = TryOpen(lockPath);
            if (handle is not null)
            {
                var previous = ReadHolder(holderPath);
                var me = new LockHolder(Environment.ProcessId, Environment.MachineName, operation, DateTimeOffset.UtcNow);
                try { File.WriteAllBytes(holderPath, JsonSerializer.SerializeToUtf8Bytes(me)); }
                catch { handle.Dispose(); throw; } // a full disk: release the lock, report the real cause
                return new RepositoryLock(handle, holderPath, previous);
            }
            if (watch.Elapsed >= timeout)
                throw new RepositoryBusyException(repository, ReadHolder(holderPath)?.ToString() ?? "another process", watch.Elapsed);
            var remaining = timeout - watch.Elapsed;
            ct.WaitHandle.WaitOne(remaining < TimeSpan.FromMilliseconds(200) ? remaining : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>True when a live process holds the lock now.</summary>
    public static bool IsHeld(string locksDirectory)
    {
        var lockPath = Path.Combine(locksDirectory, "writer.lock");
        if (!File.Exists(lockPath)) return false;
        using var handle = TryOpen(lockPath);
        return handle is null;
    }

    static FileStream? TryOpen(string lockPath)
    {
        try
        {
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (JameyFailures.IsSharingViolation(e))
        {
            // Only another holder is worth waiting for: a read-only or full file system fails at once, with its own cause.
            return null;
        }
    }

    static LockHolder? ReadHolder(string holderPath)
    {
        try { return JsonSerializer.Deserialize<LockHolder>(File.ReadAllBytes(holderPath)); }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { return null; }
    }

    public void Dispose()
    {
        try { File.Delete(_holderPath); } catch (IOException) { }
        _handle.Dispose();
    }
}
