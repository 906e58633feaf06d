using System.Runtime.ExceptionServices;

namespace Jamey3.Engine.Storage;

/// <summary>
/// The one flush pass a backup makes before its publishing rename: every file in the staging folder, then every
/// folder. Stored files are written without an fsync each (and their writeback started, see
/// <see cref="FileStatus.StartWriteback"/>), so the disk sees one batch of flushes instead of one wait per chunk.
/// </summary>
public static class StagingFlush
{
    /// <summary>Flushes every file under <paramref name="root"/> (several at once), then every folder, deepest first, then the root.</summary>
    /// <remarks>
    /// A file with more than one link is a stored file hard-linked from a published backup, which was flushed before
    /// that backup was published; only its new name needs flushing, which the folder flush does.
    /// </remarks>
    public static (int Files, int Skipped) Flush(string root, int parallelism, CancellationToken ct = default)
    {
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToList();
        int flushed = 0, skipped = 0;
        Exception? failure = null;
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = ct }, (path, state) =>
        {
            try
            {
                if (FileStatus.Of(path) is { Links: > 1 }) { Interlocked.Increment(ref skipped); return; }
                FileStatus.Flush(path);
                Interlocked.Increment(ref flushed);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
                state.Stop();
            }
        });
        if (failure is not null) ExceptionDispatchInfo.Throw(failure);
        foreach (var dir in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length))
            IO.Durability.FlushDirectory(dir);
        IO.Durability.FlushDirectory(root);
        return (flushed, skipped);
    }
}
