using System.Security.Cryptography;
using System.Text.Json;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Progress;
using Jamey3.Engine.Stores;

namespace Jamey3.Engine.Remote;

/// <summary>
/// <c>gc/&lt;gcId&gt;.marks</c>: phase 1's record of the objects no index needed at <see cref="CreatedAt"/>. Plain JSON
/// (object names and stored sizes only, like an index).
/// </summary>
public sealed record RemoteGcMarks
{
    public int Format { get; init; } = 1;
    public string GcId { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public string Host { get; init; } = "";
    public List<RemoteIndexEntryRef> Objects { get; init; } = [];
}

/// <summary>One marked object: its name and stored size (for the report).</summary>
public sealed record RemoteIndexEntryRef(string Name, long StoredSize);

/// <summary>
/// <c>gc/&lt;gcId&gt;.deleting</c>: a sweep in progress. Copiers wait while one exists; <see cref="ExpiresAt"/> lets the
/// next sweeper remove the record of one that was killed, so a dead sweeper cannot block copies forever.
/// </summary>
public sealed record RemoteGcDeleting
{
    public string GcId { get; init; } = "";
    public string Host { get; init; } = "";
    public int ProcessId { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>What one garbage collection run did.</summary>
public sealed record RemoteGcReport
{
    /// <summary>True when phase 2 ran to its end (false: nothing was due, or it stopped for a lease or another sweeper).</summary>
    public bool Swept { get; init; }
    /// <summary>Why phase 2 did not run, when it had due marks: a copy lease or another sweep.</summary>
    public string? SweepSkipped { get; init; }
    public int DeletedObjects { get; init; }
    public long DeletedBytes { get; init; }
    /// <summary>Marked objects found needed again at the sweep (a backup published since phase 1 uses them): kept.</summary>
    public int KeptAgain { get; init; }
    /// <summary>Objects phase 1 marked in this run (deleted by a later run, after the grace period).</summary>
    public int MarkedObjects { get; init; }
    public long MarkedBytes { get; init; }
    /// <summary>The marks record this run wrote, if any.</summary>
    public string? MarksRecord { get; init; }
    /// <summary>Marks records still waiting for their grace period.</summary>
    public int PendingRecords { get; init; }
    /// <summary>Indexes without a manifest (a removal or copy that died half-way), older than the grace period, deleted by the sweep.</summary>
    public int OrphanIndexesDeleted { get; init; }
}

/// <summary>
/// Garbage collection of a remote repository's objects in two phases separated by a grace period
/// (docs/remote-format.md, "Retention and deleting objects"). Each <see cref="RunAsync"/> first sweeps (phase 2) the
/// marks records older than the grace period, unless an unexpired copy lease exists or another sweep runs, then marks
/// (phase 1) what no index needs now and no record marks yet. So an object is deleted no sooner than one grace
/// period after it was first found unneeded, and only if it is still unneeded at the sweep.
/// </summary>
/// <remarks>
/// Why a copier running at the same time cannot lose an object: it writes its lease before it lists what exists.
/// The sweep writes its <c>.deleting</c> record before it looks for leases. Either the sweep sees the lease (and
/// stops), or the lease came later and the copier sees the record (before listing, or before publishing, when it then
/// re-checks every object it reused). Both sides only need the store's read-after-write and list-after-write
/// consistency.
/// </remarks>
public sealed class RemoteGarbageCollector(IOperationObserver? observer = null, Func<DateTimeOffset>? clock = null)
{
    readonly IOperationObserver _observer = observer ?? NullObserver.Instance;
    readonly Func<DateTimeOffset> _now = clock ?? (() => DateTimeOffset.UtcNow);

    /// <summary>The default grace period: a day, far beyond the lease time plus any copy's length.</summary>
    public static readonly TimeSpan DefaultGracePeriod = TimeSpan.FromHours(24);
    /// <summary>How long a <c>.deleting</c> record holds; a sweep deletes far faster (it only deletes names).</summary>
    public static readonly TimeSpan SweepRecordLifetime = TimeSpan.FromHours(1);
    const int DeleteParallelism = 8;

    /// <summary>Test hook: called at each named step (<c>gc:deleting-written</c>, <c>gc:leases-checked</c>, <c>gc:deleted</c>, <c>gc:marked</c>).</summary>
    internal Action<string>? StepHook { get; init; }

    public static void ValidateGracePeriod(TimeSpan grace)
    {
        if (grace < TimeSpan.Zero)
            throw new JameyException(JameyErrors.InvalidGracePeriod, $"The grace period {grace} is negative; give 0 or more (the default is {DefaultGracePeriod.TotalHours:0} hours).", grace);
    }

    /// <summary>Phase 2 for the records that are due, then phase 1.</summary>
    public async Task<RemoteGcReport> RunAsync(RemoteRepository repo, TimeSpan gracePeriod, CancellationToken ct = default)
    {
        ValidateGracePeriod(gracePeriod);
        var sweep = await SweepAsync(repo, gracePeriod, ct).ConfigureAwait(false);
        var mark = await MarkAsync(repo, ct).ConfigureAwait(false);
        return sweep with
        {
            MarkedObjects = mark.MarkedObjects, MarkedBytes = mark.MarkedBytes, MarksRecord = mark.MarksRecord,
            PendingRecords = mark.PendingRecords,
        };
    }

    /// <summary>
    /// Phase 1: every index's objects are needed (a manifest's, and conservatively also an index whose manifest is gone
    /// or not yet written); what <c>data/</c> holds beyond them, and no marks record names yet, is written to a new marks record.
    /// </summary>
    public async Task<RemoteGcReport> MarkAsync(RemoteRepository repo, CancellationToken ct = default)
    {
        var existing = await ReadMarksAsync(repo, ct).ConfigureAwait(false);
        var alreadyMarked = new HashSet<string>(existing.SelectMany(m => m.Marks.Objects.Select(o => o.Name)), StringComparer.Ordinal);
        var needed = await NeededAsync(repo, orphanCutoff: null, ct).ConfigureAwait(false);
        var present = await repo.ListObjectsAsync(ct).ConfigureAwait(false);
        var unneeded = present.Where(p => !needed.Names.Contains(p.Key) && !alreadyMarked.Contains(p.Key))
            .OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new RemoteIndexEntryRef(p.Key, p.Value)).ToList();
        if (unneeded.Count == 0)
        {
            _observer.Verbose($"Garbage collection at '{repo.Location}': nothing new to mark ({present.Count} object(s), {existing.Count} record(s) pending).");
            return new RemoteGcReport { PendingRecords = existing.Count };
        }
        var now = _now();
        var marks = new RemoteGcMarks { GcId = NewId(now), CreatedAt = now, Host = Environment.MachineName, Objects = unneeded };
        var key = RemoteLayout.GcPrefix + marks.GcId + RemoteLayout.MarksSuffix;
        await repo.PutAsync(key, JsonSerializer.SerializeToUtf8Bytes(marks, RemoteJson.Options), createOnly: true, ct).ConfigureAwait(false);
        StepHook?.Invoke("gc:marked");
        _observer.Verbose($"Marked {unneeded.Count} object(s) that no backup at '{repo.Location}' needs ({key}); a run after the grace period deletes those still unneeded then.");
        return new RemoteGcReport
        {
            MarkedObjects = unneeded.Count, MarkedBytes = unneeded.Sum(o => o.StoredSize), MarksRecord = key, PendingRecords = existing.Count + 1,
        };
    }

    /// <summary>
    /// Phase 2 for every marks record older than <paramref name="gracePeriod"/>: one sweeper at a time, never while an
    /// unexpired copy lease exists; deletes each marked name still in no index.
    /// </summary>
    public async Task<RemoteGcReport> SweepAsync(RemoteRepository repo, TimeSpan gracePeriod, CancellationToken ct = default)
    {
        ValidateGracePeriod(gracePeriod);
        var now = _now();
        await RemoveDeadSweepRecordsAsync(repo, now, ct).ConfigureAwait(false);
        var all = await ReadMarksAsync(repo, ct).ConfigureAwait(false);
        // Both clocks must agree that the grace period passed: the marking host's and the store's.
        var due = all.Where(m => m.Marks.CreatedAt <= now - gracePeriod && m.LastModified <= now - gracePeriod).ToList();
        if (due.Count == 0) return new RemoteGcReport();

        var gcId = NewId(now);
        var recordKey = RemoteLayout.GcPrefix + gcId + RemoteLayout.DeletingSuffix;
        var record = new RemoteGcDeleting
        {
            GcId = gcId, Host = Environment.MachineName, ProcessId = Environment.ProcessId, StartedAt = now, ExpiresAt = now + SweepRecordLifetime,
        };
        await repo.PutAsync(recordKey, JsonSerializer.SerializeToUtf8Bytes(record, RemoteJson.Options), createOnly: true, ct).ConfigureAwait(false);
        try
        {
            StepHook?.Invoke("gc:deleting-written");
            var others = (await repo.ListGcRecordsAsync(RemoteLayout.DeletingSuffix, ct).ConfigureAwait(false)).Where(k => k != recordKey).ToList();
            if (others.Count > 0)
                return Skipped($"another sweep is running ('{others[0]}')", repo);
            // The order matters: the record is written, then leases are looked for (see the class remarks).
            if (await FindLiveLeaseAsync(repo, _now(), gracePeriod, ct).ConfigureAwait(false) is { } lease)
                return Skipped($"a copy is in progress ('{lease}')", repo);
            StepHook?.Invoke("gc:leases-checked");

            // New backups may have been published since phase 1: what they need is kept.
            var needed = await NeededAsync(repo, orphanCutoff: _now() - gracePeriod, ct).ConfigureAwait(false);
            var candidates = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var m in due)
                foreach (var o in m.Marks.Objects)
                    candidates.TryAdd(o.Name, o.StoredSize);
            var toDelete = candidates.Where(c => !needed.Names.Contains(c.Key)).ToList();
            int keptAgain = candidates.Count - toDelete.Count;
            long bytes = 0;
            int deleted = 0;
            await Parallel.ForEachAsync(toDelete, new ParallelOptions { MaxDegreeOfParallelism = DeleteParallelism, CancellationToken = ct },
                async (c, token) =>
                {
                    await repo.Store.DeleteAsync(RemoteLayout.ObjectKey(c.Key), token).ConfigureAwait(false);
                    Interlocked.Add(ref bytes, c.Value);
                    Interlocked.Increment(ref deleted);
                    StepHook?.Invoke("gc:deleted");
                }).ConfigureAwait(false);
            foreach (var orphan in needed.ExpiredOrphans)
            {
                await repo.Store.DeleteAsync(RemoteLayout.IndexKey(orphan), ct).ConfigureAwait(false);
                _observer.Verbose($"Deleted the index of '{orphan}', which has had no manifest for longer than the grace period.");
            }
            foreach (var m in due) await repo.Store.DeleteAsync(m.Key, ct).ConfigureAwait(false);
            _observer.Verbose($"Swept '{repo.Location}': deleted {deleted} object(s) ({bytes} bytes) marked more than {gracePeriod} ago; " +
                $"{keptAgain} marked object(s) are needed again and stay.");
            return new RemoteGcReport
            {
                Swept = true, DeletedObjects = deleted, DeletedBytes = bytes, KeptAgain = keptAgain, OrphanIndexesDeleted = needed.ExpiredOrphans.Count,
            };
        }
        finally
        {
            // Always, even when cancelled: a record left behind makes every copy wait for it (until it expires).
            try { await repo.Store.DeleteAsync(recordKey, CancellationToken.None).ConfigureAwait(false); }
            catch (ObjectStoreException e) { _observer.Warning($"Could not delete the sweep record '{recordKey}' ({e.Message}); it expires at {record.ExpiresAt:u}."); }
        }
    }

    RemoteGcReport Skipped(string why, RemoteRepository repo)
    {
        _observer.Verbose($"Not deleting objects at '{repo.Location}' now: {why}. The next run tries again.");
        return new RemoteGcReport { SweepSkipped = why };
    }

    static string NewId(DateTimeOffset now) => $"{now.UtcDateTime:yyyyMMdd-HHmmss-fff}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    sealed record MarksFile(string Key, DateTimeOffset LastModified, RemoteGcMarks Marks);

    /// <summary>Every readable marks record. One that cannot be parsed is ignored (it marks nothing, so deletes nothing) and warned about.</summary>
    async Task<List<MarksFile>> ReadMarksAsync(RemoteRepository repo, CancellationToken ct)
    {
        var result = new List<MarksFile>();
        await foreach (var o in repo.Store.ListAsync(RemoteLayout.GcPrefix, ct).ConfigureAwait(false))
        {
            if (!o.Key.EndsWith(RemoteLayout.MarksSuffix, StringComparison.Ordinal)) continue;
            byte[] bytes;
            try { bytes = await RemoteRepository.ReadAllAsync(repo.Store, o.Key, ct).ConfigureAwait(false); }
            catch (ObjectNotFoundException) { continue; } // swept by another host meanwhile
            RemoteGcMarks? marks = null;
            try { marks = JsonSerializer.Deserialize<RemoteGcMarks>(bytes, RemoteJson.Options); }
            catch (JsonException) { }
            if (marks is null || marks.Objects.Any(x => !RemoteLayout.IsObjectName(x.Name)))
            {
                _observer.Warning($"The garbage collection record '{o.Key}' at '{repo.Location}' is not readable; it is ignored (nothing it names is deleted).");
                continue;
            }
            result.Add(new MarksFile(o.Key, o.LastModified, marks));
        }
        return result;
    }

    sealed record Needed(HashSet<string> Names, List<string> ExpiredOrphans);

    /// <summary>
    /// The names every index lists. An index that cannot be read stops the collection (what its backup needs is unknown).
    /// With <paramref name="orphanCutoff"/>, an index without a manifest last written before it is not counted and is
    /// returned for deletion (a removal or a copy that died half-way, long ago).
    /// </summary>
    static async Task<Needed> NeededAsync(RemoteRepository repo, DateTimeOffset? orphanCutoff, CancellationToken ct)
    {
        var manifests = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var id in repo.ListBackupIdsAsync(ct).ConfigureAwait(false)) manifests.Add(id);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var orphans = new List<string>();
        var indexes = new List<StoredObject>();
        await foreach (var o in repo.Store.ListAsync(RemoteLayout.IndexesPrefix, ct).ConfigureAwait(false)) indexes.Add(o);
        foreach (var o in indexes)
        {
            ct.ThrowIfCancellationRequested();
            if (RemoteLayout.BackupIdFromKey(o.Key, RemoteLayout.IndexesPrefix) is not { } id) continue;
            if (!manifests.Contains(id) && orphanCutoff is { } cutoff && o.LastModified < cutoff)
            {
                orphans.Add(id);
                continue;
            }
            RemoteIndex index;
            try { index = await repo.ReadIndexAsync(id, null, ct).ConfigureAwait(false); }
            catch (RemoteManifestException e) when (e.Reason == "the backup's index is missing") { continue; } // removed meanwhile
            catch (RemoteManifestException e)
            {
                throw new JameyException(JameyErrors.RemoteIndexUnreadable,
                    $"No object at '{repo.Location}' is deleted: the index of backup '{id}' cannot be read ({e.Reason}), so what that backup needs is unknown. " +
                    "Remove that backup (Remove-JameyBackup), or copy it again, then run retention again.", $"{repo.Location}/{RemoteLayout.IndexKey(id)}", e);
            }
            foreach (var x in index.Objects) names.Add(x.Name);
        }
        // A manifest with no index at all (damaged repository) needs what its manifest lists: refuse rather than guess.
        var indexIds = indexes.Select(o => RemoteLayout.BackupIdFromKey(o.Key, RemoteLayout.IndexesPrefix)).OfType<string>().ToHashSet(StringComparer.Ordinal);
        if (manifests.FirstOrDefault(m => !indexIds.Contains(m)) is { } noIndex)
            throw new JameyException(JameyErrors.RemoteIndexUnreadable,
                $"No object at '{repo.Location}' is deleted: backup '{noIndex}' has a manifest but no index, so what it needs is unknown. " +
                "Remove that backup (Remove-JameyBackup), or copy it again, then run retention again.", $"{repo.Location}/{RemoteLayout.IndexKey(noIndex)}");
        return new Needed(names, orphans);
    }

    /// <summary>
    /// The key of an unexpired copy lease, or null. A lease that cannot be read counts as unexpired until it is older
    /// than the grace period (its writer's intent is unknown: the careful side).
    /// </summary>
    static async Task<string?> FindLiveLeaseAsync(RemoteRepository repo, DateTimeOffset now, TimeSpan gracePeriod, CancellationToken ct)
    {
        await foreach (var o in repo.Store.ListAsync(RemoteLayout.LeasesPrefix, ct).ConfigureAwait(false))
        {
            byte[] bytes;
            try { bytes = await RemoteRepository.ReadAllAsync(repo.Store, o.Key, ct).ConfigureAwait(false); }
            catch (ObjectNotFoundException) { continue; } // the copy ended meanwhile
            catch (RemoteManifestException) { bytes = []; }
            var lease = RemoteLease.TryParse(bytes);
            if (lease is null ? o.LastModified > now - Max(gracePeriod, RemoteLease.Duration) : !lease.IsExpired(now)) return o.Key;
        }
        return null;
    }

    static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Deletes <c>.deleting</c> records past their expiry: their sweeper died, and they would hold up every copy.</summary>
    async Task RemoveDeadSweepRecordsAsync(RemoteRepository repo, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var key in await repo.ListGcRecordsAsync(RemoteLayout.DeletingSuffix, ct).ConfigureAwait(false))
        {
            RemoteGcDeleting? record = null;
            try { record = JsonSerializer.Deserialize<RemoteGcDeleting>(await RemoteRepository.ReadAllAsync(repo.Store, key, ct).ConfigureAwait(false), RemoteJson.Options); }
            catch (ObjectNotFoundException) { continue; }
            catch (Exception e) when (e is JsonException or RemoteManifestException) { }
            var stat = await repo.Store.StatAsync(key, ct).ConfigureAwait(false);
            var expires = record?.ExpiresAt ?? (stat?.LastModified ?? now) + SweepRecordLifetime;
            if (expires > now) continue;
            await repo.Store.DeleteAsync(key, ct).ConfigureAwait(false);
            _observer.Warning($"Removed the sweep record '{key}' at '{repo.Location}', which expired at {expires:u} (its sweeper did not finish).");
        }
    }
}
