using System.Collections.Concurrent;
using System.Diagnostics;
using Jamey3.Engine.Data;
using Jamey3.Engine.Errors;
using Jamey3.Engine.History;
using Jamey3.Engine.IO;
using Jamey3.Engine.Progress;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Restore;
using Jamey3.Engine.Snapshots;
using Jamey3.Engine.Storage;
using Microsoft.Data.Sqlite;

namespace Jamey3.Engine.Backup;

public sealed record BackupRequest(string DataPath, string RepositoryPath)
{
    public IReadOnlyList<JameyComponent> Components { get; init; } = DataLayout.All;
    public CompressionAlgorithm Compression { get; init; } = CompressionAlgorithm.Zstd;
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Hard-link unchanged Lucene segment files from the newest complete backup instead of copying them.</summary>
    public bool ShareUnchangedFiles { get; init; } = true;
    /// <summary>The database snapshot is stored in pieces of this size, so unchanged pieces can be shared (docs/repository-format.md).</summary>
    public int DatabaseChunkSize { get; init; } = BackupEngine.DefaultChunkSize;
    /// <summary>How the database snapshot is read: <see cref="DatabaseReader.Auto"/> reads the pages of one read transaction directly
    /// (falling back to the online backup API when it cannot); <see cref="DatabaseReader.OnlineBackup"/> always copies with the online backup API.</summary>
    public DatabaseReader DatabaseReader { get; init; } = DatabaseReader.Auto;
}

public enum DatabaseReader { Auto, OnlineBackup }

/// <summary>
/// Takes a hot, consistent backup: each component is snapshotted (SQLite's online backup, a
/// pinned Lucene commit), streamed once through hashing and compression into a staging folder,
/// described in manifest.json, flushed, and published by one atomic rename.
/// </summary>
public sealed class BackupEngine(IOperationObserver? observer = null)
{
    readonly IOperationObserver _observer = observer ?? NullObserver.Instance;

    /// <summary>
    /// Test hook: called after each named step (<c>staging:created</c>, <c>stored:&lt;component&gt;</c>, <c>manifest:writing</c>,
    /// <c>manifest:written</c>, <c>flushed</c>, <c>publish:renaming</c>, <c>published</c>, <c>history:recording</c>,
    /// <c>history:recorded</c>); throwing <see cref="SimulatedCrashException"/> stops the run like a crash: no cleanup, no history.
    /// </summary>
    internal Action<string>? StepHook { get; init; }

    void Hook(string step) => StepHook?.Invoke(step);

    /// <summary>Test hook: called (on a worker thread) as each index file is taken up, with the token that cancels it.</summary>
    internal Action<string, CancellationToken>? FileHook { get; init; }

    /// <summary>How many files are stored (or shared) at once, and how many stored files are flushed at once: one per core, at least 2.</summary>
    public static int DefaultParallelism => Math.Max(2, Environment.ProcessorCount);

    /// <summary>Files in flight at once (1: one after another). Each streams through its own bounded buffers.</summary>
    public int Parallelism { get; init; } = DefaultParallelism;
    const string Activity = "Backing up Jamey data";
    /// <summary>
    /// 1 MiB. Measured on the bench data (290 MB database, 225 rows written in 5 s): 14 of 290 chunks changed and
    /// 4.0 MiB were stored again, against 10 of 73 and 10.5 MiB with 4 MiB chunks. The price: the whole database stores
    /// 3% larger (83.8 against 81.3 MiB) and a first database-only backup took 2.5 s against 2.2 s; a second one took
    /// the same time with either size.
    /// </summary>
    public const int DefaultChunkSize = 1 << 20;

    public JameyBackup Run(BackupRequest request, CancellationToken ct = default)
    {
        var dataPath = Path.GetFullPath(request.DataPath);
        var components = request.Components.Count == 0 ? DataLayout.All : request.Components;

        var repo = new BackupRepository(request.RepositoryPath);
        repo.EnsureOutsideData(dataPath);
        // A backup holds everything the data holds: its folders are the owner's alone (GUIDE, docs/repository-format.md).
        Durability.CreatePrivateDirectory(repo.Root);
        var started = DateTimeOffset.UtcNow;
        var history = new RunRecorder(repo.Root, repo.StateDirectory, RunOperation.Backup, _observer, started);
        var watch = Stopwatch.StartNew();
        string? backupId = null;
        string? staging = null;
        try
        {
            // Inside the try: a run that finds no data is a failed run, recorded for the metrics and alerts.
            CheckSource(dataPath, components);
            PrepareFolders(repo);
            using var writer = repo.AcquireWriter("New-JameyBackup", request.LockTimeout, ct);
            if (writer.RecoveredFrom is { } stale)
                _observer.Warning($"Recovered the repository lock left by {stale}, which is no longer running.");
            ReconcileHistory(repo, new RunHistory(repo.StateDirectory));
            repo.RemoveStagingLeftovers(writer, _observer.Warning);

            var staged = repo.BeginBackup(writer, started);
            (backupId, staging) = (staged.Id, staged.Folder);
            Hook("staging:created");
            var previous = request.ShareUnchangedFiles ? FindPreviousFiles(repo, components, _observer) : null;

            var manifest = new Manifest
            {
                BackupId = backupId,
                CreatedAt = started,
                Tool = new Manifest.ToolInfo { Version = ToolVersion.Current },
                Host = Environment.MachineName,
                SourcePath = dataPath,
                Compression = request.Compression,
            };
            var progress = new ByteProgress(_observer, Activity, components.Count, EstimateBytes(dataPath, components));
            for (int i = 0; i < components.Count; i++)
            {
                var component = components[i];
                progress.StartItem(i, $"{component} ({i + 1} of {components.Count})");
                var entry = component == JameyComponent.Database
                    ? BackupDatabase(dataPath, staging, request, manifest, previous, progress, ct)
                    : BackupIndex(dataPath, staging, component, request.Compression, manifest, previous, progress, ct);
                manifest.Components.Add(entry);
                _observer.Verbose($"{component}: {entry.FileCount} file(s), {HumanUnits.Bytes(entry.Size)}.");
                Hook($"stored:{component}");
            }
            previous?.ReportDamage();
            previous?.ReportProof();

            // Whole milliseconds, so the manifest, the run history and the exported metric
            // (Unix seconds as a double) all state the same instant exactly.
            var completed = DateTimeOffset.UtcNow;
            manifest.CompletedAt = completed.AddTicks(-(completed.UtcTicks % TimeSpan.TicksPerMillisecond));
            manifest.DurationSeconds = watch.Elapsed.TotalSeconds;
            manifest.Totals = new Manifest.TotalsEntry
            {
                Files = manifest.Files.Count,
                Size = manifest.Files.Sum(f => f.Size),
                StoredSize = manifest.Files.Sum(f => f.StoredSize),
                SharedFiles = manifest.Files.Count(f => f.SharedFrom is not null),
                SharedChunks = manifest.Files.Sum(f => f.Chunks?.Count(c => c.SharedFrom is not null) ?? 0),
            };
            Hook("manifest:writing");
            BackupRepository.WriteStagedManifest(staged, manifest);
            Hook("manifest:written");
            var published = repo.Publish(writer, staged, Parallelism, Hook, ct);
            staging = null;
            Hook("published");
            RecordEvidence(repo, manifest, published, previous);
            progress.Complete();

            var result = BackupRepository.FromManifest(manifest, published, repo.Root);
            Hook("history:recording");
            // The run finished when its manifest says the backup completed: one instant for both.
            history.Succeeded(backupId, result.TotalSize, manifest.CompletedAt);
            Hook("history:recorded");
            return result;
        }
        catch (Exception e) when (e is not SimulatedCrashException)
        {
            if (staging is not null) BackupRepository.Abandon(new StagedBackup(backupId!, staging), _observer.Warning);
            history.Failed(e, backupId);
            throw;
        }
    }

    static void CheckSource(string dataPath, IReadOnlyList<JameyComponent> components)
    {
        if (!Directory.Exists(dataPath)) throw new DataPathNotFoundException(dataPath);
        foreach (var c in components)
        {
            var path = DataLayout.FullPath(dataPath, c);
            // Every folder between the data directory and the component, and the component itself, must be real:
            // the data directory itself may be a link (a mount point moved elsewhere), nothing inside it may.
            var parent = Path.GetDirectoryName(path)!;
            if (!string.Equals(parent, dataPath, StringComparison.Ordinal)) RefuseLink(parent, "folder");
            RefuseLink(path, c == JameyComponent.Database ? "database file" : "index folder");
            bool exists = c == JameyComponent.Database ? File.Exists(path) : Directory.Exists(path);
            if (!exists) throw new DataPathNotFoundException(dataPath, $"{c} component at '{DataLayout.RelativePath(c)}'");
            if (c == JameyComponent.Database)
                foreach (var side in new[] { "-wal", "-shm", "-journal" }) RefuseLink(path + side, "database side file");
        }
    }

    static void RefuseLink(string path, string what)
    {
        if (Durability.IsLink(path))
            throw new UnsafeDataPathException(path, $"the {what} is a symbolic link (to '{new FileInfo(path).LinkTarget}')");
    }

    /// <summary>The repository's own folders, owner-only; folders an older version made under umask 022 are tightened.</summary>
    void PrepareFolders(BackupRepository repo)
    {
        if (!repo.PrepareForWriting())
            _observer.Warning($"Could not make every folder of the repository '{repo.Root}' readable by its owner only (another account owns some); backups inside may be readable by others.");
    }

    /// <summary>
    /// A backup published by a run killed before it recorded its outcome is Complete but missing from the history,
    /// so the last-success time (and the stale-backup alert) would lag. Record such backups now, under the writer lock.
    /// </summary>
    void ReconcileHistory(BackupRepository repo, RunHistory history)
    {
        try
        {
            var lastSuccess = history.Read().Latest.GetValueOrDefault(RunOperation.Backup)?.LastSuccess?.FinishedAt;
            var missing = new List<RunRecord>();
            foreach (var b in repo.List())
            {
                // A backup dated in the future (a wrong clock) is no success to record: it would hide every later staleness.
                if (b.Status != BackupStatus.Complete || b.InFuture || b.CompletedAt is not { } completed) continue;
                if (completed <= lastSuccess) break; // ids (and so the listing) follow time: older ones are recorded
                missing.Add(new RunRecord
                {
                    Operation = RunOperation.Backup, StartedAt = b.Timestamp, FinishedAt = completed, Success = true,
                    BackupId = b.BackupId, SizeBytes = b.TotalSize, Host = b.HostName ?? "", ProcessId = 0,
                });
                if (missing.Count == RunHistory.MaxRuns) break;
            }
            if (missing.Count == 0) return;
            int added = history.Reconcile(missing);
            if (added > 0)
                _observer.Warning($"Recorded {added} published backup(s) missing from the run history (a run was stopped after publishing): {string.Join(", ", missing.Select(m => m.BackupId))}.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            _observer.Warning($"Could not reconcile the run history with the published backups: {e.Message}");
        }
    }

    Manifest.ComponentEntry BackupDatabase(string dataPath, string staging, BackupRequest request,
        Manifest manifest, PreviousFiles? previous, ByteProgress progress, CancellationToken ct)
    {
        var relative = DataLayout.RelativePath(JameyComponent.Database);
        var source = DataLayout.FullPath(dataPath, JameyComponent.Database);
        var chunkSize = Math.Max(4096, request.DatabaseChunkSize);
        var busyTimeout = TimeSpan.FromSeconds(30);
        var previousChunks = previous?.Chunks(relative);
        var watch = Stopwatch.StartNew();
        Manifest.FileEntry? file = null;
        Manifest.DatabaseSummary? summary = null;
        // Opened before SQLite's connection and closed after it (WalSnapshot's remarks: POSIX locks). Refuses a link or a non-regular file.
        using (var sourceFile = OpenSource(source, out var mode))
        {
            if (request.DatabaseReader == DatabaseReader.Auto && previousChunks is not null)
            {
                previousChunks.VerifyAll(ct);
                _observer.Verbose($"Database timing: the previous backup's stored chunks re-hashed in {watch.Elapsed.TotalSeconds:F3} s, before the read transaction.");
            }
            if (request.DatabaseReader == DatabaseReader.Auto)
                (file, summary) = StoreDirect(source, sourceFile, staging, relative, request.Compression, chunkSize, previousChunks,
                    Durability.StoredMode(mode), busyTimeout, progress, watch, ct);
            if (file is null)
            {
                var snapshotPath = Path.Combine(staging, ".snapshot.db");
                SqliteSnapshot.Copy(source, snapshotPath, busyTimeout, ct);
                var copied = watch.Elapsed;
                summary = SqliteSnapshot.Summarise(snapshotPath);
                var summarised = watch.Elapsed;
                // SQLite follows links; a link swapped in while it opened the file is caught here, before anything is published.
                RefuseLink(source, "database file");
                using (var snapshot = OpenForRead(snapshotPath))
                    file = StoreChunked(snapshot, staging, relative, request.Compression, chunkSize,
                        previousChunks, Durability.StoredMode(mode), progress, ct);
                File.Delete(snapshotPath);
                _observer.Verbose($"Database timing: online-backup copy {copied.TotalSeconds:F3} s, summary {(summarised - copied).TotalSeconds:F3} s, " +
                    $"chunks {(watch.Elapsed - summarised).TotalSeconds:F3} s (reading {ReadSeconds:F3} s), " +
                    $"{file.Chunks!.Count(c => c.SharedFrom is null)} of {file.Chunks!.Count} chunk(s) stored.");
            }
            if (mode is { } m) file.Mode = Durability.FormatMode(m);
        }
        var shared = file.Chunks!.Count(c => c.SharedFrom is not null);
        if (shared > 0) _observer.Verbose($"Database: {shared} of {file.Chunks!.Count} chunk(s) unchanged since {previous!.BackupId}, shared.");
        manifest.Files.Add(file);
        return new Manifest.ComponentEntry
        {
            Component = JameyComponent.Database, Path = relative, FileCount = 1,
            Size = file.Size, StoredSize = file.StoredSize, Database = summary,
        };
    }

    /// <summary>
    /// Reads the pages of one read transaction's snapshot straight from the database and its WAL (no copy), chunks,
    /// hashes and stores them, and summarises the snapshot in the same transaction. Returns nulls when the database
    /// cannot be read this way (not in WAL mode, an unexpected WAL), saying why: the caller then uses the online backup API.
    /// </summary>
    (Manifest.FileEntry?, Manifest.DatabaseSummary?) StoreDirect(string source, FileStream sourceFile, string staging, string relative,
        CompressionAlgorithm compression, int chunkSize, PreviousChunks? previousChunks, UnixFileMode storedMode, TimeSpan busyTimeout,
        ByteProgress progress, Stopwatch watch, CancellationToken ct)
    {
        var connection = SqliteSnapshot.OpenLive(source, busyTimeout);
        WalSnapshot? snapshot;
        string reason;
        try { snapshot = WalSnapshot.Open(connection, sourceFile.SafeFileHandle, source, countRows: true, busyTimeout, out reason); }
        catch (Exception e) when (e is SqliteException or IOException)
        {
            connection.Dispose();
            _observer.Verbose($"Database: read with the online backup API: the snapshot could not be opened directly ({e.Message}).");
            return (null, null);
        }
        if (snapshot is null)
        {
            connection.Dispose();
            _observer.Verbose($"Database: read with the online backup API: {reason}.");
            return (null, null);
        }
        using (snapshot)
        {
            var opened = watch.Elapsed;
            var read = opened;
            Manifest.DatabaseSummary? summary = null;
            int countedBySql = 0;
            // SQLite follows links; a link swapped in while it opened the file is caught here, before anything is published.
            RefuseLink(source, "database file");
            Manifest.FileEntry file;
            try
            {
                // The read transaction ends as soon as the last page is read: chunks to compress wait in a spool file,
                // so a writer's WAL can restart again while they are compressed.
                file = StoreChunked(snapshot, staging, relative, compression, chunkSize, previousChunks, storedMode, progress, ct,
                    Path.Combine(staging, ".snapshot.spool"), () => { summary = SqliteSnapshot.Summarise(snapshot, out countedBySql); read = watch.Elapsed; snapshot.Dispose(); });
            }
            catch (SnapshotReadException e)
            {
                _observer.Verbose($"Database: read with the online backup API: {e.Message}.");
                Directory.Delete(Path.Combine(staging, Manifest.ChunkFolderFor(relative)), recursive: true);
                File.Delete(Path.Combine(staging, ".snapshot.spool"));
                return (null, null);
            }
            _observer.Verbose($"Database: read the snapshot of one read transaction directly: {snapshot.PageCount} pages, " +
                $"{snapshot.WalPages} of them from the WAL (frames 1 to {snapshot.MaxFrame}); rows counted from the pages" +
                (countedBySql > 0 ? $", {countedBySql} table(s) by COUNT(*)." : "."));
            _observer.Verbose($"Database timing: direct open {opened.TotalSeconds:F3} s, read transaction held {(read - opened).TotalSeconds:F3} s " +
                $"(reading {ReadSeconds:F3} s, summary included), chunks done {(watch.Elapsed - opened).TotalSeconds:F3} s, " +
                $"{file.Chunks!.Count(c => c.SharedFrom is null)} of {file.Chunks!.Count} chunk(s) stored.");
            return (file, summary);
        }
    }

    /// <summary>
    /// Reads the snapshot once, in chunks: hashes the whole file, hard-links each chunk whose index, size and
    /// content hash equal the previous backup's, and compresses the others (a few at a time, one per core).
    /// </summary>
    /// <summary>Seconds the last chunked store spent reading its source (for the verbose timing line).</summary>
    [ThreadStatic] static double ReadSeconds;

    /// <remarks>
    /// With <paramref name="spoolPath"/>, the source is a live snapshot whose read transaction should end soon: chunks
    /// that must be stored are set aside raw in that file as they are read (sequential writes, no flush), and compressed
    /// only after the source is exhausted and <paramref name="sourceDone"/> has ended the transaction. Unchanged chunks
    /// are still linked as they pass, so an unchanged database writes nothing.
    /// </remarks>
    static Manifest.FileEntry StoreChunked(Stream source, string staging, string relative, CompressionAlgorithm compression, int chunkSize,
        PreviousChunks? previous, UnixFileMode storedMode, ByteProgress progress, CancellationToken ct,
        string? spoolPath = null, Action? sourceDone = null)
    {
        Durability.CreatePrivateDirectory(Path.Combine(staging, Manifest.ChunkFolderFor(relative)));
        using var whole = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var chunks = new List<Manifest.ChunkEntry?>();
        FileStream? spool = null;
        var spooled = new List<(int Index, long Offset, int Length, long SpoolOffset)>();
        try
        {
            int cores = Math.Max(1, Environment.ProcessorCount);
            int width = 4 * cores; // chunks read per batch: enough to keep every core busy to the batch's end
            var buffers = Enumerable.Range(0, width).Select(_ => new byte[chunkSize]).ToArray();
            var lengths = new int[width];
            var results = new Manifest.ChunkEntry?[width];
            long offset = 0;
            long readTicks = 0;
            while (true)
            {
                int count = 0;
                long readStart = Stopwatch.GetTimestamp();
                for (; count < width; count++)
                {
                    ct.ThrowIfCancellationRequested();
                    lengths[count] = source.ReadAtLeast(buffers[count], chunkSize, throwOnEndOfStream: false);
                    if (lengths[count] == 0) break;
                }
                readTicks += Stopwatch.GetTimestamp() - readStart;
                if (count == 0) break;
                long batchOffset = offset;
                int firstIndex = chunks.Count;
                int batch = count;
                // The whole-file hash runs beside the chunks' compression rather than before it.
                var hashing = Task.Run(() => { for (int i = 0; i < batch; i++) whole.AppendData(buffers[i], 0, lengths[i]); }, ct);
                try
                {
                    Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = cores, CancellationToken = ct }, i =>
                    {
                        long chunkOffset = batchOffset + (long)i * chunkSize;
                        var content = buffers[i].AsMemory(0, lengths[i]);
                        results[i] = spoolPath is null
                            ? StoreChunk(content, staging, relative, firstIndex + i, chunkOffset, compression, previous, storedMode)
                            : TryShareChunk(content, staging, firstIndex + i, chunkOffset, previous);
                    });
                }
                finally
                {
                    hashing.GetAwaiter().GetResult();
                }
                for (int i = 0; i < count; i++)
                {
                    if (results[i] is null)
                    {
                        spool ??= new FileStream(spoolPath!, new FileStreamOptions
                        {
                            Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0,
                            UnixCreateMode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite,
                        });
                        spooled.Add((firstIndex + i, offset, lengths[i], spool.Position));
                        spool.Write(buffers[i], 0, lengths[i]);
                    }
                    chunks.Add(results[i]);
                    offset += lengths[i];
                    progress.Add(lengths[i]);
                }
                if (lengths[count - 1] < chunkSize) break;
            }
            var sha = ContentStore.Hex(whole.GetHashAndReset());
            ReadSeconds = Stopwatch.GetElapsedTime(0, readTicks).TotalSeconds;
            sourceDone?.Invoke();
            if (spool is not null)
            {
                for (int start = 0; start < spooled.Count; start += width)
                {
                    int count = Math.Min(width, spooled.Count - start);
                    for (int i = 0; i < count; i++)
                    {
                        var (_, _, length, at) = spooled[start + i];
                        if (RandomAccess.Read(spool.SafeFileHandle, buffers[i].AsSpan(0, length), at) != length)
                            throw new IOException($"The spooled database chunks in '{spoolPath}' are shorter than written.");
                    }
                    Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = cores, CancellationToken = ct }, i =>
                    {
                        var (index, chunkOffset, length, _) = spooled[start + i];
                        chunks[index] = WriteChunk(buffers[i].AsMemory(0, length), staging, relative, index, chunkOffset, compression, storedMode);
                    });
                }
            }
            spool?.Dispose();
            if (spoolPath is not null) File.Delete(spoolPath);
            var stored = chunks.Select(c => c!).ToList();
            return new Manifest.FileEntry
            {
                Path = relative, Component = JameyComponent.Database, Size = offset, Sha256 = sha,
                Stored = Manifest.ChunkFolderFor(relative), Compression = compression,
                StoredSize = stored.Sum(c => c.StoredSize), StoredSha256 = "", Chunks = stored,
            };
        }
        finally
        {
            spool?.Dispose();
        }
    }

    /// <summary>The previous backup's chunk at this index, hard-linked, when the content is the same; null when it must be stored.</summary>
    static Manifest.ChunkEntry? TryShareChunk(ReadOnlyMemory<byte> content, string staging, int index, long offset, PreviousChunks? previous)
    {
        if (previous?.Candidate(index, content.Length) is not { } old) return null;
        var contentSha = ContentStore.Hex(System.Security.Cryptography.SHA256.HashData(content.Span));
        if (!string.Equals(contentSha, old.Sha256, StringComparison.OrdinalIgnoreCase) || !previous.TryLink(index, old, staging)) return null;
        return new Manifest.ChunkEntry
        {
            Offset = offset, Size = old.Size, Sha256 = old.Sha256, Stored = old.Stored, Compression = old.Compression,
            StoredSize = old.StoredSize, StoredSha256 = old.StoredSha256, SharedFrom = old.SharedFrom ?? previous.BackupId,
        };
    }

    static Manifest.ChunkEntry StoreChunk(ReadOnlyMemory<byte> content, string staging, string relative, int index, long offset,
        CompressionAlgorithm compression, PreviousChunks? previous, UnixFileMode storedMode) =>
        // Hashed first only when there is a chunk to compare with; a changed chunk is hashed again as it is written.
        TryShareChunk(content, staging, index, offset, previous) ?? WriteChunk(content, staging, relative, index, offset, compression, storedMode);

    static Manifest.ChunkEntry WriteChunk(ReadOnlyMemory<byte> content, string staging, string relative, int index, long offset,
        CompressionAlgorithm compression, UnixFileMode storedMode)
    {
        var storedRelative = Manifest.ChunkPathFor(relative, index, compression);
        var stored = ContentStore.WriteBlock(content, Path.Combine(staging, storedRelative), compression, ContentStore.DefaultLevel, storedMode);
        if (stored.Compression != compression)
        {
            var rawRelative = Manifest.ChunkPathFor(relative, index, stored.Compression);
            File.Move(Path.Combine(staging, storedRelative), Path.Combine(staging, rawRelative));
            storedRelative = rawRelative;
        }
        return new Manifest.ChunkEntry
        {
            Offset = offset, Size = stored.Size, Sha256 = stored.Sha256, Stored = storedRelative, Compression = stored.Compression,
            StoredSize = stored.StoredSize, StoredSha256 = stored.StoredSha256,
        };
    }

    Manifest.ComponentEntry BackupIndex(string dataPath, string staging, JameyComponent component, CompressionAlgorithm compression,
        Manifest manifest, PreviousFiles? previous, ByteProgress progress, CancellationToken ct)
    {
        var relative = DataLayout.RelativePath(component);
        using var snapshot = LuceneCommitSnapshot.Take(DataLayout.FullPath(dataPath, component), ct);
        if (snapshot.Attempts > 1)
            _observer.Verbose($"{component}: a writer committed meanwhile; pinned commit {snapshot.Summary.SegmentsFile} on attempt {snapshot.Attempts}.");
        var facts = snapshot.Files.Select(f => (f.Name, f.Stream, Checksum: LuceneCommitSnapshot.ReadFooterChecksum(f.Stream),
            Modified: new DateTimeOffset(File.GetLastWriteTimeUtc(f.Stream.SafeFileHandle), TimeSpan.Zero),
            Mode: OperatingSystem.IsWindows() ? (UnixFileMode?)null : File.GetUnixFileMode(f.Stream.SafeFileHandle))).ToList();
        var files = new Manifest.FileEntry[facts.Count];
        // Every file is shared or read-hash-compress-written on its own, several at once (largest first, so the last
        // to finish is a small one); each streams through bounded buffers, and the manifest keeps the commit's order.
        var shared = new SharedProgress(progress);
        BoundedParallel.Run(facts.Count, i => facts[i].Stream.Length, (i, token) =>
        {
            var (name, stream, checksum, modified, mode) = facts[i];
            FileHook?.Invoke($"{relative}/{name}", token);
            var entry = previous?.TryShare($"{relative}/{name}", component, stream.Length, checksum, modified, staging);
            if (entry is not null) shared.Add(stream.Length);
            else
            {
                // One zstd thread per file whatever the width: the stored bytes (and so the manifest) do not depend on it.
                entry = Store(stream, staging, $"{relative}/{name}", component, compression, Durability.StoredMode(mode), shared.Add, workers: 0, token);
                entry.LuceneChecksum = checksum;
                entry.ModifiedAt = modified;
            }
            if (mode is { } m) entry.Mode = Durability.FormatMode(m);
            files[i] = entry;
        }, completed: null, Parallelism, ct);
        manifest.Files.AddRange(files);
        return new Manifest.ComponentEntry
        {
            Component = component, Path = relative, FileCount = files.Length,
            Size = files.Sum(f => f.Size), StoredSize = files.Sum(f => f.StoredSize), Index = snapshot.Summary,
        };
    }

    /// <summary>Streams one file into the staging folder; an incompressible file is stored raw under its raw name.</summary>
    static Manifest.FileEntry Store(Stream source, string staging, string relative, JameyComponent component,
        CompressionAlgorithm compression, UnixFileMode storedMode, Action<long> onBytes, int? workers, CancellationToken ct)
    {
        var storedRelative = Manifest.StoredPathFor(relative, compression);
        var storedPath = Path.Combine(staging, storedRelative);
        Durability.CreatePrivateDirectory(Path.GetDirectoryName(storedPath)!);
        var level = component == JameyComponent.Database ? ContentStore.DefaultLevel : ContentStore.FastLevel;
        var stored = ContentStore.Write(source, storedPath, compression, onBytes, ct, level, storedMode, workers);
        if (stored.Compression != compression)
        {
            var rawRelative = Manifest.StoredPathFor(relative, stored.Compression);
            File.Move(storedPath, Path.Combine(staging, rawRelative));
            storedRelative = rawRelative;
        }
        return Entry(relative, component, stored, storedRelative);
    }

    /// <summary>Opens the database file without following a link and reads its permission bits (Unix); refuses a link or a non-regular file.</summary>
    static FileStream OpenSource(string path, out UnixFileMode? mode)
    {
        var fs = Durability.OpenNoFollow(path, 1)
            ?? throw new UnsafeDataPathException(path, $"the database file is a symbolic link (to '{new FileInfo(path).LinkTarget}')");
        try
        {
            if (!fs.CanSeek) throw new UnsafeDataPathException(path, "the database file is not a regular file (a pipe, socket or device)");
            mode = OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(fs.SafeFileHandle);
            return fs;
        }
        catch { fs.Dispose(); throw; }
    }

    static FileStream OpenForRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);

    static Manifest.FileEntry Entry(string relative, JameyComponent component, StoredFile stored, string storedRelative) => new()
    {
        Path = relative, Component = component, Size = stored.Size, Sha256 = stored.Sha256,
        Stored = storedRelative, Compression = stored.Compression, StoredSize = stored.StoredSize, StoredSha256 = stored.StoredSha256,
    };

    /// <summary>
    /// Files of the newest complete backup that a new one may hard-link instead of copying. Nothing is linked
    /// unless its stored bytes still have the size and SHA-256 its manifest records: damage on disk is never
    /// linked into a new backup, which stores that file afresh from the data instead (the repository heals).
    /// That is proven by re-reading the bytes, or by evidence that the inode is unchanged since an earlier run read
    /// or wrote them (<see cref="StoredEvidence"/>).
    /// </summary>
    sealed class PreviousFiles(string backupId, string directory, Dictionary<string, Manifest.FileEntry> files, IOperationObserver observer,
        StoredEvidence evidence)
    {
        readonly ConcurrentQueue<string> _damaged = new();
        readonly ConcurrentDictionary<string, DateTimeOffset> _verified = new(StringComparer.Ordinal);
        /// <summary>Stored files <see cref="Intact"/> proved this run: when they were last read whole, and whether this run read them.</summary>
        readonly ConcurrentDictionary<string, (DateTimeOffset At, bool Reread)> _proven = new(StringComparer.Ordinal);
        readonly DateTimeOffset _now = DateTimeOffset.UtcNow;
        int _vouched, _reread;

        /// <summary>Says how the stored files this run linked were proven intact.</summary>
        public void ReportProof()
        {
            if (_vouched + _reread > 0)
                observer.Verbose($"Shared {_vouched + _reread} stored file(s) and chunk(s) of {backupId}: {_vouched} on the evidence of an unchanged inode, {_reread} read again.");
        }

        public string BackupId => backupId;
        public StoredEvidence Evidence => evidence;

        /// <summary>When the bytes of a stored file this run linked were last proven (read, or written); null for one it did not link.</summary>
        public DateTimeOffset? VerifiedAt(string stored) => _verified.TryGetValue(stored, out var at) ? at : null;

        /// <summary>The previous backup's chunks of a chunked file, if it stored that file in chunks.</summary>
        public PreviousChunks? Chunks(string relative) =>
            files.TryGetValue(relative, out var old) && old.Chunks is { Count: > 0 } chunks ? new PreviousChunks(this, chunks) : null;

        /// <summary>
        /// Hard-links the previous backup's stored copy of an unchanged Lucene file. Unchanged means same path, size,
        /// footer CRC32 and last-write time: a rebuilt index reuses names (_0.cfs) and may reuse sizes, but its
        /// files are new, so their time differs even in the 1 in 2^32 case where the CRC32 does not.
        /// </summary>
        public Manifest.FileEntry? TryShare(string relative, JameyComponent component, long size, long? checksum, DateTimeOffset modified, string staging)
        {
            // Only immutable Lucene segment files with a footer checksum are shared; segments_N names a commit and is always copied.
            if (checksum is null || Path.GetFileName(relative).StartsWith("segments", StringComparison.Ordinal)) return null;
            if (!files.TryGetValue(relative, out var old) || old.Component != component || old.Size != size || old.LuceneChecksum != checksum
                || old.ModifiedAt != modified) return null;
            if (!Link(old.Stored, old.StoredSize, old.StoredSha256, staging)) return null;
            return new Manifest.FileEntry
            {
                Path = old.Path, Component = old.Component, Size = old.Size, Sha256 = old.Sha256, Stored = old.Stored,
                Compression = old.Compression, StoredSize = old.StoredSize, StoredSha256 = old.StoredSha256,
                LuceneChecksum = old.LuceneChecksum, ModifiedAt = old.ModifiedAt, SharedFrom = old.SharedFrom ?? backupId,
            };
        }

        /// <summary>Hard-links a stored file of the previous backup into staging under the same name, once its bytes are proven intact.</summary>
        public bool Link(string stored, long storedSize, string storedSha256, string staging) =>
            Intact(stored, storedSize, storedSha256) && LinkIntact(stored, staging);

        /// <summary>
        /// Whether a stored file of the previous backup still has its recorded size and hash; a damaged one is reported once.
        /// Evidence first (one statx, no read); the bytes are read only when it cannot vouch for the inode.
        /// </summary>
        public bool Intact(string stored, long storedSize, string storedSha256)
        {
            var source = Path.Combine(directory, stored);
            var verified = evidence.Vouches(source, storedSize, storedSha256, _now);
            bool reread = verified is null;
            if (reread)
            {
                if (!ContentStore.StoredBytesMatch(source, storedSize, storedSha256))
                {
                    if (File.Exists(source) || Durability.IsLink(source)) _damaged.Enqueue(stored);
                    return false;
                }
                verified = _now;
            }
            _proven[stored] = (verified!.Value, reread);
            return true;
        }

        /// <summary>Hard-links a stored file already proven intact by <see cref="Intact"/>.</summary>
        public bool LinkIntact(string stored, string staging)
        {
            if (!_proven.TryGetValue(stored, out var proof)) return false; // never link what was not proven
            var source = Path.Combine(directory, stored);
            var target = Path.Combine(staging, stored);
            Durability.CreatePrivateDirectory(Path.GetDirectoryName(target)!);
            if (!Durability.TryCreateHardLink(source, target)) return false;
            _verified[stored] = proof.At;
            if (proof.Reread) Interlocked.Increment(ref _reread);
            else Interlocked.Increment(ref _vouched);
            return true;
        }

        /// <summary>Warns once about stored files of the previous backup found damaged (and stored afresh).</summary>
        public void ReportDamage()
        {
            if (_damaged.IsEmpty) return;
            var list = _damaged.OrderBy(d => d, StringComparer.Ordinal).ToList();
            observer.Warning($"Backup {backupId} has {list.Count} damaged stored file(s), which this backup stored afresh from the data instead of sharing: " +
                $"{string.Join(", ", list.Take(5))}{(list.Count > 5 ? $" (and {list.Count - 5} more)" : "")}. " +
                "Older backups that share them are damaged too: run Test-JameyBackup on them and remove those that fail.");
        }
    }

    /// <summary>A previous backup's chunks of the database, which a new backup hard-links when unchanged.</summary>
    sealed class PreviousChunks(PreviousFiles files, List<Manifest.ChunkEntry> chunks)
    {
        bool[]? _intact;

        public string BackupId => files.BackupId;

        public Manifest.ChunkEntry? Candidate(int index, long size) =>
            index < chunks.Count && chunks[index].Size == size ? chunks[index] : null;

        /// <summary>
        /// Re-hashes every stored chunk of the previous backup now, one per core, so that linking them later costs no
        /// reading: the direct database read then holds its read transaction only for reading and hashing the database.
        /// </summary>
        public void VerifyAll(CancellationToken ct)
        {
            var intact = new bool[chunks.Count];
            Parallel.For(0, chunks.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct }, i =>
                intact[i] = files.Intact(chunks[i].Stored, chunks[i].StoredSize, chunks[i].StoredSha256));
            _intact = intact;
        }

        /// <summary>Hard-links the old stored chunk into staging under the same name; false when it is damaged or linking is not possible.</summary>
        public bool TryLink(int index, Manifest.ChunkEntry old, string staging) =>
            _intact is { } intact
                ? intact[index] && files.LinkIntact(old.Stored, staging)
                : files.Link(old.Stored, old.StoredSize, old.StoredSha256, staging);
    }

    static PreviousFiles? FindPreviousFiles(BackupRepository repo, IReadOnlyList<JameyComponent> components, IOperationObserver observer)
    {
        // Share from the newest current backup that holds every component this one takes: after a database-only
        // backup, the indices' files are still shared from the last backup that has them. Never from one dated in
        // the future (a wrong clock), which is not current.
        var current = repo.List().Where(BackupRepository.IsCurrent).ToList();
        var evidence = LoadEvidence(repo);
        var last = current.FirstOrDefault(b => components.All(c => b.Components.Any(h => (int)h.Component == (int)c))) ?? current.FirstOrDefault();
        if (last is null) return null;
        try
        {
            var m = repo.LoadManifest(last.BackupId);
            return new PreviousFiles(last.BackupId, last.Path, m.Files.ToDictionary(f => f.Path, StringComparer.Ordinal), observer, evidence);
        }
        catch (JameyException) { return null; }
    }

    /// <summary>
    /// The evidence of earlier runs, minus whatever a failed verification since then may concern: after a failed
    /// Test-JameyBackup every stored file is read again before it is shared, so damage it found heals at once.
    /// </summary>
    static StoredEvidence LoadEvidence(BackupRepository repo)
    {
        DateTimeOffset? lastFailedCheck = null;
        try
        {
            var doc = new RunHistory(repo.StateDirectory).Read();
            var failed = doc.Runs.Where(r => r.Operation == RunOperation.Verify && r.Outcome == RunOutcome.Failed).Select(r => r.FinishedAt)
                .Append(doc.Latest.GetValueOrDefault(RunOperation.Verify)?.LastAttempt is { Outcome: RunOutcome.Failed } a ? a.FinishedAt : DateTimeOffset.MinValue);
            lastFailedCheck = failed.Max();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            return StoredEvidence.Empty; // no history to say no check failed: read everything
        }
        return StoredEvidence.Load(repo.StateDirectory, DateTimeOffset.UtcNow, lastFailedCheck);
    }

    static long EstimateBytes(string dataPath, IReadOnlyList<JameyComponent> components)
    {
        long total = 0;
        foreach (var c in components)
        {
            var path = DataLayout.FullPath(dataPath, c);
            try
            {
                total += c == JameyComponent.Database
                    ? new FileInfo(path).Length
                    : new DirectoryInfo(path).EnumerateFiles().Sum(f => f.Length);
            }
            catch (IOException) { }
        }
        return total;
    }

    /// <summary>Byte progress from several files at once, reported one at a time.</summary>
    sealed class SharedProgress(ByteProgress progress)
    {
        public void Add(long bytes)
        {
            lock (this) progress.Add(bytes);
        }
    }

    /// <summary>
    /// Records what this run proved about the published backup's stored files (state/stored-evidence.tsv), so the next
    /// backup links them without reading them again. Best effort: without it the next backup re-reads them.
    /// </summary>
    void RecordEvidence(BackupRepository repo, Manifest manifest, string published, PreviousFiles? previous)
    {
        var now = DateTimeOffset.UtcNow;
        try
        {
            var files = manifest.Files.SelectMany(f => f.Chunks is { } chunks
                    ? chunks.Select(c => (c.Stored, c.StoredSize, c.StoredSha256))
                    : [(f.Stored, f.StoredSize, f.StoredSha256)])
                .Select(x => (Path.Combine(published, x.Stored), x.StoredSize, x.StoredSha256, previous?.VerifiedAt(x.Stored) ?? now));
            StoredEvidence.Save(repo.StateDirectory, files, previous?.Evidence, now);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _observer.Verbose($"Could not record the stored files' evidence ({e.Message}); the next backup re-reads what it shares.");
        }
    }

}
