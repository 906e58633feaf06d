using System.Diagnostics;

namespace Jamey3.Engine.Tests.Infrastructure;

/// <summary>
/// A tmpfs of a few megabytes mounted for one test (root on Linux: see <see cref="MountFactAttribute"/>), so a
/// full or read-only disk is real, not simulated; unmounted and removed on dispose.
/// </summary>
public sealed class SmallMount : IDisposable
{
    public SmallMount(string path, int megabytes)
    {
        Path = path;
        Directory.CreateDirectory(path);
        Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path);
    }

    public string Path { get; }

    /// <summary>Remounts read-only: every write fails with EROFS, as on a volume mounted read-only.</summary>
    public void MakeReadOnly() => Run("mount", "-o", "remount,ro", Path);

    /// <summary>Fills the file system, leaving about <paramref name="leaveBytes"/> free (0: the next write fails with ENOSPC).</summary>
    public void Fill(long leaveBytes = 0)
    {
        var free = new DriveInfo(Path).AvailableFreeSpace;
        using var f = new FileStream(System.IO.Path.Combine(Path, $"filler-{Guid.NewGuid():N}"), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var buffer = new byte[1 << 16];
        long toWrite = Math.Max(0, free - leaveBytes);
        try
        {
            while (toWrite > 0)
            {
                int n = (int)Math.Min(buffer.Length, toWrite);
                f.Write(buffer, 0, n);
                toWrite -= n;
            }
        }
        catch (IOException) when (leaveBytes == 0) { } // full, as asked
    }

    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Run("umount", "-l", Path); } catch (InvalidOperationException) { }
        try { Directory.Delete(Path); } catch (IOException) { }
    }

    static void Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {err}");
    }
}
