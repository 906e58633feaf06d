using System.Collections.Concurrent;
using System.Diagnostics;
using Lucene.Net.Index;
using Microsoft.Data.Sqlite;

namespace Jamey3.SampleData;

/// <summary>
/// Builds a Jamey 3.0 data directory (<c>jamey.db</c> in WAL mode plus five Lucene indices) of roughly
/// a requested size. The logical content — row ids, texts, timestamps, which index holds which
/// document — is a pure function of the seed and the size, and so is <c>jamey.db</c> byte for byte;
/// only Lucene's bookkeeping (timestamps recorded in segment and commit files) differs between runs.
/// Every memory row has a document with the same id, content and timestamp in its layer's index.
/// </summary>
public static class SampleDataGenerator
{
    /// <summary>All generated timestamps fall in the three years before this instant.</summary>
    public static readonly DateTime ContentEpoch = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Every index gets at least this many documents, however small the target.</summary>
    public const int MinDocsPerIndex = 12;

    /// <summary>Commits per index the generator aims for, so each index ends with several segments.</summary>
    public const int TargetCommitsPerIndex = 6;

    // Share of the index half that each layer ends up with (measured from the record mix in RecordFactory);
    // only used to spread commits evenly, so rough values are fine.
    private static readonly Dictionary<string, double> ExpectedIndexShare = new()
    {
        ["short_term"] = 0.13, ["long_term"] = 0.29, ["working"] = 0.11, ["episodic"] = 0.33, ["semantic"] = 0.14,
    };

    // Size model, fitted to measured output (see EstimateDbBytes / EstimateIndexBytes). It decides how
    // many records to write; because it only looks at the generated text, the record count stays
    // a function of seed and size even though real file sizes jitter a little.
    private const double DbBytesPerPayloadByte = 1.10;
    private const int DbBytesPerRow = 147;
    private const double IndexBytesPerContentByte = 0.78;
    private const int IndexBytesPerDoc = 165;
    private const long FixedOverheadBytes = 80 * 1024; // empty db pages + per-segment files (~6 segments x 5 indices)

    /// <summary>Chance, after each new memory, that an earlier one gets a follow-up note.</summary>
    private const double UpdateProbability = 0.45;
    private const int UpdateWindow = 4096;

    private const int BatchRecords = 400;
    private const int QueueDepth = 6;
    private const double GeneratorRamBufferMB = 48;

    internal static long EstimateDbBytes(MemoryRecord r, MemoryRecord? previous = null) =>
        previous is null
            ? (long)(r.PayloadBytes * DbBytesPerPayloadByte) + DbBytesPerRow
            : (long)((r.Content.Length - previous.Content.Length) * DbBytesPerPayloadByte);

    internal static long EstimateIndexBytes(MemoryRecord r) => (long)(r.Content.Length * IndexBytesPerContentByte) + IndexBytesPerDoc;

    /// <summary>
    /// Creates the data directory at <paramref name="dataPath"/> (which may exist but must not already
    /// hold <c>jamey.db</c> or <c>memory/</c>) with about <paramref name="targetBytes"/> bytes on disk
    /// (within a few percent from a few MB up; small targets overshoot by per-segment overhead), about
    /// 55% database and 45% indices. Uses one producer thread plus one writer thread per store.
    /// </summary>
    /// <exception cref="IOException">The directory already holds Jamey data.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the directory is left half-written.</exception>
    public static SampleDataSummary Generate(string dataPath, long targetBytes, int seed, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataPath);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetBytes);
        dataPath = Path.GetFullPath(dataPath);
        EnsureFreshTarget(dataPath);

        var sw = Stopwatch.StartNew();
        Directory.CreateDirectory(JameyLayout.MemoryPath(dataPath));

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var token = linked.Token;

        using var dbQueue = new BlockingCollection<List<MemoryRecord>>(QueueDepth);
        var indexQueues = JameyLayout.IndexNames.ToDictionary(n => n, _ => new BlockingCollection<List<MemoryRecord>>(QueueDepth));
        var indexJobs = JameyLayout.IndexNames.ToDictionary(n => n, n => new IndexJob(n, targetBytes));

        long rowCount = 0;
        var tasks = new List<Task>
        {
            Run(() => rowCount = WriteDatabase(dataPath, seed, dbQueue, token)),
        };
        foreach (var name in JameyLayout.IndexNames)
            tasks.Add(Run(() => WriteIndex(dataPath, indexJobs[name], indexQueues[name], token)));
        tasks.Add(Run(() => Produce(seed, targetBytes, dbQueue, indexQueues, token)));

        // First failure cancels the rest so nobody blocks on a queue nobody drains.
        foreach (var t in tasks)
            t.ContinueWith(_ =>
            {
                try { linked.Cancel(); }
                catch (ObjectDisposedException) { }
            }, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);

        try
        {
            Task.WaitAll(tasks);
        }
        catch (AggregateException ae)
        {
            var real = ae.Flatten().InnerExceptions.Where(e => e is not OperationCanceledException).ToList();
            if (real.Count == 1) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(real[0]).Throw();
            if (real.Count > 1) throw new AggregateException("Sample data generation failed.", real);
            ct.ThrowIfCancellationRequested();
            throw new OperationCanceledException("Sample data generation was cancelled.", ae, ct);
        }
        finally
        {
            foreach (var q in indexQueues.Values) q.Dispose();
        }
        ct.ThrowIfCancellationRequested();
        sw.Stop();

        var segments = new Dictionary<string, int>();
        var docs = new Dictionary<string, int>();
        var indexBytes = new Dictionary<string, long>();
        foreach (var name in JameyLayout.IndexNames)
        {
            var path = JameyLayout.IndexPath(dataPath, name);
            using var dir = Lucene.Net.Store.FSDirectory.Open(path);
            using var reader = DirectoryReader.Open(dir);
            segments[name] = reader.Leaves.Count;
            docs[name] = reader.NumDocs;
            indexBytes[name] = DirectorySize(path);
        }

        return new SampleDataSummary
        {
            DataPath = dataPath,
            Seed = seed,
            TargetBytes = targetBytes,
            RowCount = rowCount,
            DocsPerIndex = docs,
            SegmentsPerIndex = segments,
            CommitsPerIndex = indexJobs.ToDictionary(kv => kv.Key, kv => kv.Value.Commits),
            DatabaseBytes = DatabaseSize(dataPath),
            IndexBytes = indexBytes,
            ElapsedSeconds = Math.Round(sw.Elapsed.TotalSeconds, 3),
        };
    }

    private static Task Run(Action action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static void EnsureFreshTarget(string dataPath)
    {
        if (File.Exists(dataPath))
            throw new IOException($"'{dataPath}' is a file, not a directory.");
        if (File.Exists(JameyLayout.DatabasePath(dataPath)) || Directory.Exists(JameyLayout.MemoryPath(dataPath)))
            throw new IOException($"'{dataPath}' already contains Jamey data ({JameyLayout.DatabaseFileName} or {JameyLayout.MemoryDirectoryName}/); generate into an empty directory.");
    }

    /// <summary>Single producer: one seeded Random drawn in one fixed order, so content depends only on seed and size.</summary>
    private static void Produce(int seed, long targetBytes, BlockingCollection<List<MemoryRecord>> dbQueue,
        Dictionary<string, BlockingCollection<List<MemoryRecord>>> indexQueues, CancellationToken token)
    {
        try
        {
            var factory = new RecordFactory(new Random(seed), seed);
            var rng = factory.Random;

            // Spread creation times over three years whatever the record count, so big and small
            // datasets both look like a history rather than a burst.
            long expectedRecords = Math.Max(50, targetBytes / 900);
            int maxGapSeconds = (int)Math.Clamp(2 * 3 * 365L * 86400 / expectedRecords, 2, 6 * 3600);
            var clock = ContentEpoch.AddYears(-3);

            long estimated = FixedOverheadBytes;
            var docsPerLayer = JameyLayout.IndexNames.ToDictionary(n => n, _ => 0);
            int layersShort = docsPerLayer.Count;

            var recent = new List<MemoryRecord>(UpdateWindow);
            long created = 0;
            var batch = new List<MemoryRecord>(BatchRecords);
            var perLayer = JameyLayout.IndexNames.ToDictionary(n => n, _ => new List<MemoryRecord>());
            while (estimated < targetBytes || layersShort > 0)
            {
                token.ThrowIfCancellationRequested();
                string layer = factory.PickLayer();
                // Once the budget is spent, only top up the layers still below the minimum.
                if (estimated >= targetBytes && docsPerLayer[layer] >= MinDocsPerIndex)
                    layer = JameyLayout.IndexNames.First(n => docsPerLayer[n] < MinDocsPerIndex);

                clock = clock.AddMilliseconds(rng.Next(1000, maxGapSeconds * 1000));
                var record = factory.Create(factory.NextSeededId(), layer, clock);
                estimated += EstimateDbBytes(record) + EstimateIndexBytes(record);
                if (++docsPerLayer[layer] == MinDocsPerIndex) layersShort--;

                Emit(record);
                var recentSlot = (int)(created++ % UpdateWindow);
                if (recent.Count < UpdateWindow) recent.Add(record); else recent[recentSlot] = record;

                // Memories get follow-up notes: the row is rewritten in place and the document replaced,
                // which leaves deleted documents (.del files) in older segments, as a live index has.
                if (rng.NextDouble() < UpdateProbability && recent.Count > 1)
                {
                    int slot = rng.Next(recent.Count);
                    var original = recent[slot];
                    var updated = factory.CreateUpdate(original, clock);
                    recent[slot] = updated;
                    estimated += EstimateDbBytes(updated, original) + EstimateIndexBytes(updated);
                    Emit(updated);
                }
            }
            Flush();

            void Emit(MemoryRecord r)
            {
                batch.Add(r);
                perLayer[r.Layer].Add(r);
                if (batch.Count >= BatchRecords) Flush();
            }

            void Flush()
            {
                if (batch.Count == 0) return;
                dbQueue.Add(batch, token);
                batch = new List<MemoryRecord>(BatchRecords);
                foreach (var name in JameyLayout.IndexNames)
                {
                    if (perLayer[name].Count == 0) continue;
                    indexQueues[name].Add(perLayer[name], token);
                    perLayer[name] = [];
                }
            }
        }
        finally
        {
            dbQueue.CompleteAdding();
            foreach (var q in indexQueues.Values) q.CompleteAdding();
        }
    }

    private static long WriteDatabase(string dataPath, int seed, BlockingCollection<List<MemoryRecord>> queue, CancellationToken token)
    {
        long rows = 0;
        using var conn = SampleDatabase.Open(JameyLayout.DatabasePath(dataPath), create: true);
        SampleDatabase.EnableWal(conn);
        // Bulk load: fewer, larger checkpoints; durability of a half-generated file does not matter.
        SampleDatabase.Exec(conn, "PRAGMA synchronous=OFF; PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=8192;");

        var idRng = new Random(unchecked(seed ^ 0x1D5EED));
        var instanceId = new Guid(RandomBytes(idRng, 16)).ToString("D");
        SampleDatabase.CreateSchema(conn, instanceId, MemoryRecord.Iso(ContentEpoch.AddYears(-3)));

        using var writer = new SampleDatabase.RecordWriter(conn);
        foreach (var batch in queue.GetConsumingEnumerable(token))
        {
            using var tx = conn.BeginTransaction();
            writer.Transaction = tx;
            foreach (var r in batch)
            {
                if (writer.Write(r) != 1) throw new InvalidOperationException($"Writing memory {r.Id} affected no row.");
                if (!r.IsUpdate) rows++;
            }
            tx.Commit();
        }
        writer.Transaction = null;
        token.ThrowIfCancellationRequested();

        // Settle the file: everything in the main db, WAL truncated, journal mode WAL kept in the header.
        SampleDatabase.Exec(conn, "PRAGMA synchronous=NORMAL;");
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = "INSERT OR REPLACE INTO app_metadata (key, value, updated_at) VALUES ('last_consolidation', $t, $t)";
            cmd.Parameters.AddWithValue("$t", MemoryRecord.Iso(ContentEpoch));
            cmd.ExecuteNonQuery();
        }
        SampleDatabase.Exec(conn, "PRAGMA wal_checkpoint(TRUNCATE);");
        return rows;
    }

    private sealed class IndexJob(string name, long targetBytes)
    {
        public string Name { get; } = name;
        public long CommitEveryBytes { get; } =
            Math.Max(1, (long)(targetBytes / 2.0 * ExpectedIndexShare[name] / TargetCommitsPerIndex));
        public int Commits { get; set; }
    }

    private static void WriteIndex(string dataPath, IndexJob job, BlockingCollection<List<MemoryRecord>> queue, CancellationToken token)
    {
        // No merges while generating: every commit stays a segment (tests rely on several), the layout
        // does not depend on merge-thread timing, and no CPU goes into rewriting fresh segments.
        var writer = MemoryIndexes.OpenWriter(JameyLayout.IndexPath(dataPath, job.Name), OpenMode.CREATE, GeneratorRamBufferMB,
            NoMergePolicy.NO_COMPOUND_FILES);
        // Like an index that has lived a while: the old, big segments are plain files, the recent
        // small ones compound (.cfs/.cfe), which is what Lucene's defaults produce over time.
        writer.Config.UseCompoundFile = false;
        bool ok = false;
        try
        {
            var doc = new MemoryIndexes.DocBuilder();
            long sinceCommit = 0;
            foreach (var batch in queue.GetConsumingEnumerable(token))
            {
                foreach (var r in batch)
                {
                    if (r.IsUpdate) writer.UpdateDocument(new Term("id", r.Id), doc.Fill(r.Id, r.Content, r.Timestamp));
                    else writer.AddDocument(doc.Fill(r.Id, r.Content, r.Timestamp));
                    sinceCommit += EstimateIndexBytes(r);
                    if (sinceCommit >= job.CommitEveryBytes)
                    {
                        writer.Commit();
                        job.Commits++;
                        sinceCommit = 0;
                        if (job.Commits >= TargetCommitsPerIndex / 2) writer.Config.UseCompoundFile = true;
                    }
                }
            }
            token.ThrowIfCancellationRequested();
            if (sinceCommit > 0 || job.Commits == 0)
            {
                writer.Commit();
                job.Commits++;
            }
            ok = true;
        }
        finally
        {
            MemoryIndexes.Close(writer, rollback: !ok);
        }
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    internal static long DirectorySize(string path) =>
        Directory.Exists(path)
            ? new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => SafeLength(f))
            : 0;

    internal static long DatabaseSize(string dataPath)
    {
        var db = JameyLayout.DatabasePath(dataPath);
        return new[] { db, db + "-wal", db + "-shm" }.Select(p => new FileInfo(p)).Where(f => f.Exists).Sum(SafeLength);
    }

    private static long SafeLength(FileInfo f)
    {
        try { return f.Length; }
        catch (FileNotFoundException) { return 0; }
    }
}
