using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Jamey3.Engine.IO;

/// <summary>
/// Runs one job per file on a few threads of its own, largest first, and tells the calling thread as each job ends:
/// the backup storing an index's files, and the restore and the full test extracting a backup's files. Hashing,
/// compression and decompression are their CPU cost, one file at a time per thread. Dedicated threads, not the thread
/// pool, so the work never waits behind (or starves) other pool work in the same process. Memory stays bounded: each
/// thread holds one file's buffers at a time.
/// </summary>
public static class BoundedParallel
{
    /// <summary>
    /// Extraction (restore, full test): at least two (one core decompresses while the other's writes land), at most four
    /// (the disk is the floor beyond that).
    /// </summary>
    public static int ExtractionWorkers => Math.Clamp(Environment.ProcessorCount, 2, 4);

    /// <summary>
    /// Calls <paramref name="job"/> for every index in <c>0..count-1</c> (largest <paramref name="sizeOf"/> first) on
    /// <paramref name="workers"/> threads, and <paramref name="completed"/> on the calling thread for each finished job,
    /// in the order they finish. The first failure, in a job or in <paramref name="completed"/>, stops the rest: jobs not
    /// started are skipped, running ones are cancelled through the token they get, and every thread has ended before
    /// that failure is rethrown as it was (never wrapped), so nothing writes on after this returns or throws.
    /// </summary>
    public static void Run(int count, Func<int, long> sizeOf, Action<int, CancellationToken> job, Action<int>? completed,
        int workers, CancellationToken ct)
    {
        if (count == 0) return;
        var order = Enumerable.Range(0, count).OrderByDescending(sizeOf).ToArray();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var done = new BlockingCollection<int>();
        ExceptionDispatchInfo? failure = null;
        int next = -1, running = Math.Clamp(workers, 1, count);
        var threads = new Thread[running];
        for (int t = 0; t < threads.Length; t++)
        {
            threads[t] = new Thread(() =>
            {
                try
                {
                    for (int k; !stop.IsCancellationRequested && (k = Interlocked.Increment(ref next)) < order.Length;)
                    {
                        job(order[k], stop.Token);
                        done.Add(order[k]);
                    }
                }
                catch (Exception e)
                {
                    // The first failure is the cause; the cancellations it sets off in the other threads are not.
                    Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
                    stop.Cancel();
                }
                finally
                {
                    if (Interlocked.Decrement(ref running) == 0) done.CompleteAdding();
                }
            })
            { IsBackground = true, Name = $"Jamey3 worker {t + 1}" };
            threads[t].Start();
        }
        try
        {
            foreach (var i in done.GetConsumingEnumerable()) completed?.Invoke(i);
        }
        catch
        {
            stop.Cancel();
            foreach (var t in threads) t.Join();
            throw;
        }
        foreach (var t in threads) t.Join();
        failure?.Throw();
        ct.ThrowIfCancellationRequested();
    }
}
