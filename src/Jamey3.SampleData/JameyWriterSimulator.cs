using System.Diagnostics;
using Lucene.Net.Index;
using Microsoft.Data.Sqlite;

namespace Jamey3.SampleData;

/// <summary>
/// Behaves like a running Jamey 3.0 for backup tests: keeps <c>jamey.db</c> open in WAL mode and an
/// IndexWriter (with its <c>write.lock</c>) on each of the five indices, and keeps writing — new
/// memories, updates to earlier ones, frequent commits, merges that delete old segment files.
/// Text is drawn from the seed; ids are time-ordered GUIDs and timestamps are the real
/// clock, so running twice on the same directory never collides.
/// </summary>
public sealed class JameyWriterSimulator : IDisposable
{
    private const int RecentCapacity = 256;

    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SqliteConnection _db;
    private readonly SampleDatabase.RecordWriter _records;
    private readonly Dictionary<string, IndexWriter> _writers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ObservableMergeScheduler> _schedulers = new(StringComparer.Ordinal);
    private readonly RecordFactory _factory;
    private readonly MemoryIndexes.DocBuilder _doc = new();
    private readonly List<MemoryRecord> _recent = new(RecentCapacity);
    private readonly Stopwatch _runTime = new();
    private int _recentNext;
    private int _mergeTarget;
    private long _commitsSinceMerge;
    private int _running;
    private bool _disposed;

    private long _ticks, _rowsInserted, _rowsUpdated, _dbTransactions, _dbBusySkips;
    private long _docsAdded, _docsUpdated, _docsCommitted, _commits, _forceMerges;

    /// <summary>Opens the database and all five IndexWriters; creates whatever of the data directory is missing.</summary>
    /// <exception cref="Lucene.Net.Store.LockObtainFailedException">Another writer holds an index's write.lock.</exception>
    public JameyWriterSimulator(string dataPath, int seed, WriterSimulatorOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataPath);
        Options = options ?? new WriterSimulatorOptions();
        Options.Validate();
        DataPath = Path.GetFullPath(dataPath);
        _factory = new RecordFactory(new Random(seed), seed);

        Directory.CreateDirectory(JameyLayout.MemoryPath(DataPath));
        _db = SampleDatabase.Open(JameyLayout.DatabasePath(DataPath), create: true);
        try
        {
            SampleDatabase.EnableWal(_db);
            SampleDatabase.Exec(_db, "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;");
            SampleDatabase.CreateSchema(_db, Guid.NewGuid().ToString("D"), MemoryRecord.Iso(DateTime.UtcNow));
            _records = new SampleDatabase.RecordWriter(_db);
            LoadRecent();

            foreach (var name in JameyLayout.IndexNames)
            {
                var policy = new TieredMergePolicy
                {
                    SegmentsPerTier = Options.SegmentsPerTier,
                    MaxMergeAtOnce = Math.Max(2, Options.SegmentsPerTier),
                    FloorSegmentMB = 0.25,
                    // Natural merges churn the small, fresh segments; the big ones of a large
                    // generated index are only rewritten by the occasional forced merge.
                    MaxMergedSegmentMB = 64,
                };
                // One merge thread per index, and room for queued merges so that a long merge on a
                // big index never stalls the writing thread (Lucene blocks it past MaxMergeCount).
                var scheduler = new ObservableMergeScheduler();
                scheduler.SetMaxMergesAndThreads(16, 1);
                _schedulers[name] = scheduler;
                _writers[name] = MemoryIndexes.OpenWriter(JameyLayout.IndexPath(DataPath, name), OpenMode.CREATE_OR_APPEND,
                    Options.RamBufferMB, policy, scheduler);
                _pending[name] = 0;
            }
        }
        catch
        {
            CloseAll(rollback: true);
            throw;
        }
    }

    public string DataPath { get; }

    public WriterSimulatorOptions Options { get; }

    public long Ticks => Interlocked.Read(ref _ticks);
    public long RowsInserted => Interlocked.Read(ref _rowsInserted);
    public long RowsUpdated => Interlocked.Read(ref _rowsUpdated);
    public long DocsCommitted => Interlocked.Read(ref _docsCommitted);
    public long Commits => Interlocked.Read(ref _commits);
    public long ForceMerges => Interlocked.Read(ref _forceMerges);

    public WriterSimulatorStats GetStats() => new()
    {
        Ticks = Ticks,
        RowsInserted = RowsInserted,
        RowsUpdated = RowsUpdated,
        DbTransactions = Interlocked.Read(ref _dbTransactions),
        DbBusySkips = Interlocked.Read(ref _dbBusySkips),
        DocsAdded = Interlocked.Read(ref _docsAdded),
        DocsUpdated = Interlocked.Read(ref _docsUpdated),
        DocsCommitted = DocsCommitted,
        Commits = Commits,
        ForceMerges = ForceMerges,
        ElapsedSeconds = Math.Round(_runTime.Elapsed.TotalSeconds, 3),
    };

    /// <summary>
    /// Ticks every <see cref="WriterSimulatorOptions.CommitIntervalMs"/> until <paramref name="ct"/> is
    /// cancelled or the simulator is disposed, then returns normally. Errors from SQLite or Lucene propagate.
    /// </summary>
    public void Run(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _running, 1) == 1)
            throw new InvalidOperationException("Run is already active on this simulator.");
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
            var token = linked.Token;
            var clock = Stopwatch.StartNew();
            long due = 0;
            _runTime.Start();
            while (!token.IsCancellationRequested)
            {
                if (!TickCore(throwIfDisposed: false)) break;
                due += Options.CommitIntervalMs;
                long wait = due - clock.ElapsedMilliseconds;
                if (wait <= 0)
                {
                    due = clock.ElapsedMilliseconds; // fell behind: carry on without bursting to catch up
                    continue;
                }
                token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(wait));
            }
        }
        finally
        {
            _runTime.Stop();
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>
    /// One unit of work: a database transaction with <see cref="WriterSimulatorOptions.RowsPerTick"/>
    /// inserts/updates, the same memories added to or replaced in their indices, a commit of every
    /// touched index, and now and then a background forced merge.
    /// </summary>
    public void Tick() => TickCore(throwIfDisposed: true);

    private bool TickCore(bool throwIfDisposed)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                ObjectDisposedException.ThrowIf(throwIfDisposed, this);
                return false;
            }
            var now = DateTime.UtcNow;
            var batch = new List<MemoryRecord>(Options.RowsPerTick);
            var rng = _factory.Random;
            for (int i = 0; i < Options.RowsPerTick; i++)
            {
                if (_recent.Count > 0 && rng.NextDouble() < Options.UpdateFraction)
                {
                    int slot = rng.Next(_recent.Count);
                    var updated = _factory.CreateUpdate(_recent[slot], now);
                    batch.Add(updated);
                }
                else
                {
                    batch.Add(_factory.Create(Guid.CreateVersion7(now).ToString("D"), _factory.PickLayer(), now));
                }
            }

            if (WriteRows(batch))
            {
                foreach (var r in batch)
                {
                    var writer = _writers[r.Layer];
                    var doc = _doc.Fill(r.Id, r.Content, r.Timestamp);
                    if (r.IsUpdate)
                    {
                        writer.UpdateDocument(new Term("id", r.Id), doc);
                        Interlocked.Increment(ref _docsUpdated);
                    }
                    else
                    {
                        writer.AddDocument(doc);
                        Interlocked.Increment(ref _docsAdded);
                    }
                    _pending[r.Layer]++;
                    Remember(r);
                }
                CommitTouched();
            }
            Interlocked.Increment(ref _ticks);
            return true;
        }
    }

    private bool WriteRows(List<MemoryRecord> batch)
    {
        try
        {
            using var tx = _db.BeginTransaction();
            _records.Transaction = tx;
            foreach (var r in batch) _records.Write(r);
            tx.Commit();
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 5 or 6) // SQLITE_BUSY, SQLITE_LOCKED
        {
            // Someone (a backup, a checkpoint) held the database past the busy timeout; a real app
            // would retry later, so skip this tick rather than die.
            Interlocked.Increment(ref _dbBusySkips);
            return false;
        }
        finally
        {
            _records.Transaction = null;
        }
        Interlocked.Increment(ref _dbTransactions);
        foreach (var r in batch)
            Interlocked.Increment(ref r.IsUpdate ? ref _rowsUpdated : ref _rowsInserted);
        return true;
    }

    private void CommitTouched()
    {
        foreach (var name in JameyLayout.IndexNames)
        {
            int pending = _pending[name];
            if (pending == 0) continue;
            _writers[name].Commit();
            _pending[name] = 0;
            Interlocked.Add(ref _docsCommitted, pending);
            Interlocked.Increment(ref _commits);

            if (Options.ForceMergeEveryCommits > 0 && ++_commitsSinceMerge >= Options.ForceMergeEveryCommits)
            {
                _commitsSinceMerge = 0;
                var target = JameyLayout.IndexNames[_mergeTarget];
                _mergeTarget = (_mergeTarget + 1) % JameyLayout.IndexNames.Count;
                // Runs on the merge scheduler's thread; the merged segment shows up at a later commit,
                // and the files it replaces are deleted then — mid-backup, if a backup is running.
                // An index still busy merging is skipped rather than piling up rewrites of big segments.
                var writer = _writers[target];
                if (_schedulers[target].RunningMerges == 0 && !writer.HasPendingMerges())
                {
                    writer.ForceMerge(Options.ForceMergeMaxSegments, doWait: false);
                    Interlocked.Increment(ref _forceMerges);
                }
            }
        }
    }

    /// <summary>Lucene keeps the number of running merge threads protected; this makes it readable.</summary>
    private sealed class ObservableMergeScheduler : ConcurrentMergeScheduler
    {
        public int RunningMerges => MergeThreadCount;
    }

    private void Remember(MemoryRecord r)
    {
        for (int i = 0; i < _recent.Count; i++)
        {
            if (_recent[i].Id == r.Id) { _recent[i] = r; return; }
        }
        if (_recent.Count < RecentCapacity) _recent.Add(r);
        else
        {
            _recent[_recentNext] = r;
            _recentNext = (_recentNext + 1) % RecentCapacity;
        }
    }

    // Earlier memories (from a generated dataset or a previous run) are candidates for updates too.
    private void LoadRecent()
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT id, content, layer, timestamp, emotional_tags, context_associations, created_at, updated_at " +
                          "FROM memory_records ORDER BY rowid DESC LIMIT $n";
        cmd.Parameters.AddWithValue("$n", RecentCapacity / 2);
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            var layer = reader.IsDBNull(2) ? "" : reader.GetString(2);
            if (!JameyLayout.IndexNames.Contains(layer)) continue;
            _recent.Add(new MemoryRecord
            {
                Id = reader.GetString(0),
                Content = reader.GetString(1),
                Layer = layer,
                Timestamp = ParseIso(reader, 3),
                EmotionalTagsJson = reader.IsDBNull(4) ? "[]" : reader.GetString(4),
                ContextAssociationsJson = reader.IsDBNull(5) ? "[]" : reader.GetString(5),
                CreatedAt = ParseIso(reader, 6),
                UpdatedAt = ParseIso(reader, 7),
            });
        }
    }

    private static DateTime ParseIso(SqliteDataReader reader, int ordinal) =>
        !reader.IsDBNull(ordinal) && DateTime.TryParse(reader.GetString(ordinal), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : DateTime.UtcNow;

    /// <summary>Stops a running <see cref="Run"/>, commits what is pending and closes the writers and the database.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _stop.Cancel();
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            CloseAll(rollback: false);
        }
    }

    private void CloseAll(bool rollback)
    {
        List<Exception>? errors = null;
        foreach (var writer in _writers.Values)
        {
            // Do not wait for a forced merge on a big index: closing aborts it, as a Jamey shutdown would.
            try { MemoryIndexes.Close(writer, rollback, waitForMerges: false); }
            catch (Exception ex) { (errors ??= []).Add(ex); }
        }
        _writers.Clear();
        try { _records?.Dispose(); } catch (Exception ex) { (errors ??= []).Add(ex); }
        try { _db.Dispose(); } catch (Exception ex) { (errors ??= []).Add(ex); }
        if (errors is { Count: 1 }) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(errors[0]).Throw();
        if (errors is { Count: > 1 }) throw new AggregateException("Closing the simulated Jamey failed.", errors);
    }
}
