using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Jamey3.Engine.Errors;
using Jamey3.Engine.History;
using Jamey3.Engine.Progress;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Restore;
using Jamey3.Engine.Stores;
using Jamey3.Engine.Verification;
using ZstdSharp;

namespace Jamey3.Engine.Remote;

/// <summary>What to copy where (Copy-JameyBackup).</summary>
/// <param name="RepositoryPath">The local repository (the source).</param>
/// <param name="Destination">The destination's store; the caller opens and disposes it.</param>
public sealed record CopyRequest(string RepositoryPath, IObjectStore Destination)
{
    /// <summary>The backups to copy; null: every current Complete local backup, oldest first (those already there are only checked).</summary>
    public IReadOnlyList<string>? BackupIds { get; init; }
    /// <summary>Uploads at once.</summary>
    public int ThrottleLimit { get; init; } = 4;
    /// <summary>Bytes per second for all uploads together; null: unlimited.</summary>
    public long? MaxBytesPerSecond { get; init; }
    /// <summary>Encryption key material (null: plain, or whatever the destination's config needs and the factory gives).</summary>
    public RemoteKeyMaterial? Keys { get; init; }
    /// <summary>Re-read the stored hash of every object the destination already holds for these backups, and replace damaged ones.</summary>
    public bool Repair { get; init; }
    /// <summary>Object names known to be damaged at the destination (a check found them): re-read and replaced when still bad.</summary>
    public IReadOnlyCollection<string>? SuspectObjects { get; init; }
    /// <summary>How long to wait for another host's retention sweep (<c>gc/*.deleting</c>) to finish.</summary>
    public TimeSpan SweepWait { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>A copy run's outcome: the backups copied (or checked) and those that could not be.</summary>
public sealed record CopyRun(IReadOnlyList<JameyCopyResult> Results, IReadOnlyList<CopyFailure> Failures);

/// <summary>One backup that was not copied, and why (the run went on with the others).</summary>
public sealed record CopyFailure(string BackupId, Exception Error);

/// <summary>
/// Copies complete, verified local backups to a remote repository (docs/remote-format.md, "Copying"): lease, wait for a
/// retention sweep, list the objects once, check the local backup, upload what is missing (create-only, hashed, in
/// parallel, paced), check again for a sweep, then publish: index, then manifest, both create-only. A copy killed
/// anywhere leaves no listed backup; the next one sends only what is missing. Every run is recorded in the source
/// repository's run history and copy status, which never hold a credential.
/// </summary>
public sealed class RemoteCopier(IOperationObserver? observer = null)
{
    readonly IOperationObserver _observer = observer ?? NullObserver.Instance;

    /// <summary>Called at each step (<c>leased</c>, <c>listed</c>, <c>verified</c>, <c>uploaded</c> per object, <c>index</c>, <c>manifest</c>, <c>published</c>); tests throw from it to crash a copy there.</summary>
    internal Action<string>? StepHook { get; init; }

    void Step(string name) => StepHook?.Invoke(name);

    public async Task<CopyRun> CopyAsync(CopyRequest request, Action<JameyCopyResult>? onResult = null, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(request.ThrottleLimit, 1, nameof(request.ThrottleLimit));
        if (request.MaxBytesPerSecond is < 1) throw new ArgumentOutOfRangeException(nameof(request), "MaxBytesPerSecond must be positive.");
        var source = new BackupRepository(Path.GetFullPath(request.RepositoryPath));
        if (!source.Exists) throw new RepositoryNotFoundException(source.Root);
        var destination = request.Destination.Location.ToString();
        var recorder = new RunRecorder(source.Root, source.StateDirectory, RunOperation.Copy, _observer);
        var previous = CopyStatusStore.Load(source.StateDirectory, destination);
        var state = new RunState(request, source, destination);
        try
        {
            await RunAsync(state, onResult, ct).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            recorder.Failed(e, state.LastBackupId, state.BytesSent);
            SaveStatus(source, previous, state, RunRecorder.OutcomeOf(e), JameyFailures.Classify(e).Message, null);
            throw;
        }
        var problems = state.Failures.Select(f => f.Error).ToList();
        recorder.Ended(problems, state.LastBackupId, state.BytesSent);
        var outcome = recorder.Recorded?.Outcome ?? (problems.Count == 0 ? RunOutcome.Succeeded : RunOutcome.Failed);
        SaveStatus(source, previous, state, outcome,
            problems.Count == 0 ? null : string.Join("; ", state.Failures.Take(3).Select(f => $"{f.BackupId}: {JameyFailures.Classify(f.Error).Message}")),
            state.PublishedAtEnd);
        return new CopyRun(state.Results, state.Failures);
    }

    void SaveStatus(BackupRepository source, CopyStatus? previous, RunState state, RunOutcome outcome, string? error, List<string>? atDestination)
    {
        bool ok = outcome == RunOutcome.Succeeded;
        try
        {
            CopyStatusStore.Save(source.StateDirectory, new CopyStatus
            {
                Destination = state.Destination,
                LastAttemptAt = DateTimeOffset.UtcNow,
                LastOutcome = outcome,
                LastSuccessAt = ok ? DateTimeOffset.UtcNow : previous?.LastSuccessAt,
                BackupIdsAtDestination = ok && atDestination is not null ? atDestination : previous?.BackupIdsAtDestination ?? [],
                BytesSentLastRun = state.BytesSent,
                LastError = ok ? null : error,
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Like the run history: a status that cannot be written must not hide the copy's own outcome.
            _observer.Warning($"The copy status for '{state.Destination}' could not be saved in '{CopyStatusStore.FolderFor(source.StateDirectory)}': {e.Message}");
        }
    }

    sealed class RunState(CopyRequest request, BackupRepository source, string destination)
    {
        public CopyRequest Request { get; } = request;
        public BackupRepository Source { get; } = source;
        public string Destination { get; } = destination;
        public List<JameyCopyResult> Results { get; } = [];
        public List<CopyFailure> Failures { get; } = [];
        public string? LastBackupId;
        public long BytesSent;
        public List<string>? PublishedAtEnd;
        public RemoteRepository Remote = null!;
        /// <summary>Names at the destination with their stored sizes (from the one listing, then kept current).</summary>
        public ConcurrentDictionary<string, long> Present = new(StringComparer.Ordinal);
        public BandwidthLimiter? Limiter;
        /// <summary>Stored refs the destination's indexes record (read on first need, for codecs whose sealing is random).</summary>
        public Dictionary<string, RemoteIndexEntry>? Known;
        /// <summary>The destination's damage reports (<c>damage/</c>), read once per run, and the names they give.</summary>
        public List<(string Key, RemoteDamageReport Report)> Reports = [];
        public HashSet<string> Reported = new(StringComparer.Ordinal);
        /// <summary>Reported names this run re-read or replaced in a published backup.</summary>
        public ConcurrentDictionary<string, bool> Resolved = new(StringComparer.Ordinal);
    }

    async Task RunAsync(RunState state, Action<JameyCopyResult>? onResult, CancellationToken ct)
    {
        var request = state.Request;
        var store = request.Destination;
        var config = await RemoteRepository.ReadConfigAsync(store, ct).ConfigureAwait(false);
        var codec = RemoteCodecs.Select(config, request.Keys, store.Location);
        state.Remote = await RemoteRepository.OpenOrCreateAsync(store, codec, () => RemoteCodecs.NewConfig(codec, DateTimeOffset.UtcNow), ct).ConfigureAwait(false);
        var remote = state.Remote;
        if (request.MaxBytesPerSecond is { } rate) state.Limiter = new BandwidthLimiter(rate);

        var published = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var id in remote.ListBackupIdsAsync(ct).ConfigureAwait(false)) published.Add(id);

        var toCopy = SelectBackups(state, published, ct);
        if (toCopy.Count == 0)
        {
            _observer.Verbose($"'{state.Destination}' already holds every backup asked for.");
            state.PublishedAtEnd = [.. published.Order(StringComparer.Ordinal)];
            return;
        }

        var lease = new RemoteLease
        {
            CopyId = $"{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}",
            Host = Environment.MachineName, ProcessId = Environment.ProcessId,
            StartedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow + RemoteLease.Duration,
            BackupIds = toCopy.Select(b => b.BackupId).ToList(),
        };
        await remote.WriteLeaseAsync(lease, ct).ConfigureAwait(false);
        using var leaseStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var renewal = RenewLeaseAsync(remote, lease, leaseStop.Token);
        try
        {
            Step("leased");
            await WaitForSweepAsync(state, ct).ConfigureAwait(false);
            foreach (var (name, size) in await remote.ListObjectsAsync(ct).ConfigureAwait(false)) state.Present[name] = size;
            Step("listed");
            _observer.Verbose($"'{state.Destination}' holds {state.Present.Count} object(s) and {published.Count} backup(s).");
            // A check on any host may have found damaged objects: they are suspects, re-read and replaced like -Repair's.
            state.Reports = await RemoteDamageReport.ListAsync(remote, ct).ConfigureAwait(false);
            foreach (var (_, r) in state.Reports) state.Reported.UnionWith(r.Objects);
            if (state.Reported.Count > 0)
                _observer.Verbose($"{state.Reports.Count} damage report(s) at '{state.Destination}' name {state.Reported.Count} object(s); they are re-read.");

            foreach (var backup in toCopy)
            {
                ct.ThrowIfCancellationRequested();
                state.LastBackupId = backup.BackupId;
                try
                {
                    var result = await CopyOneAsync(state, backup.BackupId, published.Contains(backup.BackupId), ct).ConfigureAwait(false);
                    if (result is null) continue; // already there and whole: nothing to report in an unnamed run
                    published.Add(backup.BackupId);
                    state.Results.Add(result);
                    onResult?.Invoke(result);
                }
                catch (JameyException e) when (e.Error == JameyErrors.CopySourceNotVerified || e is BackupNotFoundException or InvalidManifestException or UnsafeBackupPathException)
                {
                    // The local backup is at fault, not the destination: report it and go on with the next.
                    state.Failures.Add(new CopyFailure(backup.BackupId, e));
                    _observer.Warning(e.Message);
                }
            }
            state.PublishedAtEnd = [.. published.Order(StringComparer.Ordinal)];
            await SettleReportsAsync(state, ct).ConfigureAwait(false);
        }
        finally
        {
            await leaseStop.CancelAsync().ConfigureAwait(false);
            try { await renewal.ConfigureAwait(false); } catch (OperationCanceledException) { }
            try { await remote.DeleteLeaseAsync(lease.CopyId, CancellationToken.None).ConfigureAwait(false); }
            catch (ObjectStoreException e) { _observer.Warning($"The copy lease '{RemoteLayout.LeaseKey(lease.CopyId)}' could not be removed ({e.Message}); it expires at {lease.ExpiresAt:u}."); }
        }
    }

    List<JameyBackup> SelectBackups(RunState state, HashSet<string> published, CancellationToken ct)
    {
        var local = state.Source.List(ct).ToList();
        if (state.Request.BackupIds is not { } ids)
            return local.Where(BackupRepository.IsCurrent).OrderBy(b => b.Timestamp).ThenBy(b => b.BackupId, StringComparer.Ordinal).ToList();
        var chosen = new List<JameyBackup>();
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            var b = local.FirstOrDefault(x => x.BackupId == id);
            if (b is null) { state.Failures.Add(new CopyFailure(id, new BackupNotFoundException(id, state.Source.Root))); continue; }
            if (b.Status != BackupStatus.Complete)
            {
                state.Failures.Add(new CopyFailure(id, new JameyException(JameyErrors.CopySourceNotVerified,
                    $"Backup {id} in '{state.Source.Root}' is {b.Status} ({b.Problem}); only Complete backups are copied.", id)));
                continue;
            }
            chosen.Add(b);
        }
        return chosen.OrderBy(b => b.Timestamp).ThenBy(b => b.BackupId, StringComparer.Ordinal).ToList();
    }

    async Task RenewLeaseAsync(RemoteRepository remote, RemoteLease lease, CancellationToken ct)
    {
        while (true)
        {
            await Task.Delay(RemoteLease.RenewEvery, ct).ConfigureAwait(false);
            try { await remote.RenewLeaseAsync(lease with { ExpiresAt = DateTimeOffset.UtcNow + RemoteLease.Duration }, ct).ConfigureAwait(false); }
            catch (ObjectStoreException e) { _observer.Warning($"The copy lease could not be renewed ({e.Message}); retrying in {RemoteLease.RenewEvery.TotalMinutes:0} min."); }
        }
    }

    /// <summary>Waits while a retention sweep deletes objects; true when one was seen.</summary>
    async Task<bool> WaitForSweepAsync(RunState state, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        bool seen = false;
        while (true)
        {
            var records = await state.Remote.ListGcRecordsAsync(RemoteLayout.DeletingSuffix, ct).ConfigureAwait(false);
            if (records.Count == 0) return seen;
            if (!seen) _observer.Verbose($"Waiting for the retention sweep '{records[0]}' at '{state.Destination}' to finish.");
            seen = true;
            if (watch.Elapsed > state.Request.SweepWait) throw new RemoteRepositoryBusyException(state.Remote.Location, records[0], watch.Elapsed);
            await Task.Delay(TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
        }
    }

    /// <summary>One object of a backup as the copy plans it.</summary>
    sealed class Planned(string name, Manifest.StoredPart part, string contentSha256)
    {
        public string Name { get; } = name;
        public Manifest.StoredPart Part { get; } = part;
        public string ContentSha256 { get; } = contentSha256;
        public RemoteObjectRef? Ref;
        public bool Reused;
        public bool Repaired;
    }

    /// <summary>Copies one backup; null when it was already published and whole and nobody named it.</summary>
    async Task<JameyCopyResult?> CopyOneAsync(RunState state, string backupId, bool alreadyPublished, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var remote = state.Remote;
        var codec = remote.Codec;
        var request = state.Request;
        var content = BackupContent.Open(state.Source, backupId);
        var m = content.Manifest;

        var parts = new List<(Manifest.FileEntry File, Manifest.StoredPart Part, string ContentSha)>();
        foreach (var f in m.Files)
        {
            if (f.Chunks is null) parts.Add((f, f.StoredParts().Single(), f.Sha256));
            else foreach (var c in f.Chunks) parts.Add((f, new Manifest.StoredPart(c.Stored, c.Compression, c.StoredSize, c.StoredSha256), c.Sha256));
        }
        var planned = new Dictionary<string, Planned>(StringComparer.Ordinal);
        var order = new List<Planned>(parts.Count);
        foreach (var (_, part, sha) in parts)
        {
            var name = codec.NameFor(sha);
            if (!planned.TryGetValue(name, out var p)) planned[name] = p = new Planned(name, part, sha);
            order.Add(p);
        }

        var suspects = request.SuspectObjects is { } s ? new HashSet<string>(s, StringComparer.Ordinal) : [];
        suspects.UnionWith(state.Reported.Where(planned.ContainsKey));
        bool NeedsLook(Planned p) => !state.Present.TryGetValue(p.Name, out var size) || request.Repair || suspects.Contains(p.Name)
            || (codec.SealedLength(p.Part.StoredSize) is { } expected && expected != size);
        if (alreadyPublished && request.BackupIds is null && !planned.Values.Any(NeedsLook)) return null;

        // The local backup first: nothing of a damaged backup is sent, let alone published.
        await VerifyLocalAsync(content, parts.Select(x => x.Part).ToList(), backupId, state, ct).ConfigureAwait(false);
        Step("verified");

        var progress = new CopyProgress(_observer, $"Copying Jamey backup {backupId} to {state.Destination}", planned.Count);
        var toSend = new List<(Planned P, bool Replace)>();
        foreach (var p in planned.Values)
        {
            ct.ThrowIfCancellationRequested();
            if (!state.Present.TryGetValue(p.Name, out var size)) { toSend.Add((p, false)); continue; }
            bool sizeWrong = codec.SealedLength(p.Part.StoredSize) is { } expected && expected != size;
            if (sizeWrong || request.Repair || suspects.Contains(p.Name))
            {
                if (await ExaminePresentAsync(state, p, ct).ConfigureAwait(false)) { Reuse(p, progress); continue; }
                toSend.Add((p, true));
                continue;
            }
            p.Ref = codec.SealIsDeterministic
                ? new RemoteObjectRef(p.Name, p.Part.Compression, p.Part.StoredSize, p.Part.StoredSha256)
                : await KnownRefAsync(state, p, ct).ConfigureAwait(false);
            if (p.Ref is null)
            {
                // An object no index names (left by a killed copy) under a random envelope: its hash is read once.
                if (await ExaminePresentAsync(state, p, ct).ConfigureAwait(false)) { Reuse(p, progress); continue; }
                toSend.Add((p, true));
                continue;
            }
            Reuse(p, progress);
        }
        progress.BytesTotal = toSend.Sum(x => codec.SealedLength(x.P.Part.StoredSize) ?? x.P.Part.StoredSize);

        await Parallel.ForEachAsync(toSend, new ParallelOptions { MaxDegreeOfParallelism = request.ThrottleLimit, CancellationToken = ct },
            async (item, token) =>
            {
                await UploadAsync(state, content, item.P, item.Replace, progress, token).ConfigureAwait(false);
                Step("uploaded");
            }).ConfigureAwait(false);

        // A sweep that started after the first look may have deleted what this copy reuses: look again before publishing.
        if (await WaitForSweepAsync(state, ct).ConfigureAwait(false))
            foreach (var p in planned.Values.Where(p => p.Reused))
                if (await remote.Store.StatAsync(RemoteLayout.ObjectKey(p.Name), ct).ConfigureAwait(false) is null)
                {
                    _observer.Verbose($"Object {p.Name} was swept while copying; sending it again.");
                    state.Present.TryRemove(p.Name, out _);
                    p.Reused = false;
                    await UploadAsync(state, content, p, false, progress, ct).ConfigureAwait(false);
                }

        var rm = new RemoteManifest
        {
            BackupId = backupId,
            CopiedAt = DateTimeOffset.UtcNow,
            Objects = order.Select(p => p.Ref!).ToList(),
            Manifest = m,
        };
        var indexBytes = rm.ToIndex().Tagged(codec).ToJson();
        rm.IndexSha256 = RemoteIndex.Sha256Of(indexBytes);
        long metadata = 0;
        bool publishedNow = false;

        var existing = alreadyPublished ? await TryReadManifestAsync(remote, backupId, ct).ConfigureAwait(false) : null;
        if (existing is not null)
        {
            if (!SameBackup(existing, rm)) throw new RemoteBackupConflictException(remote.Location, backupId);
        }
        else
        {
            Step("index");
            try
            {
                await remote.PutAsync(RemoteLayout.IndexKey(backupId), indexBytes, createOnly: true, ct).ConfigureAwait(false);
                metadata += indexBytes.Length;
            }
            catch (ObjectAlreadyExistsException)
            {
                // Left by a copy that died before its manifest: no manifest refers to it yet, so ours may replace it.
                var old = await remote.TryReadIndexBytesAsync(backupId, ct).ConfigureAwait(false);
                if (old is null || !old.AsSpan().SequenceEqual(indexBytes))
                {
                    await remote.PutAsync(RemoteLayout.IndexKey(backupId), indexBytes, createOnly: false, ct).ConfigureAwait(false);
                    metadata += indexBytes.Length;
                }
            }
            Step("manifest");
            var sealedManifest = await remote.SealAsync(rm.ToJson(), ct).ConfigureAwait(false);
            try
            {
                await remote.PutAsync(RemoteLayout.ManifestKey(backupId), sealedManifest, createOnly: true, ct).ConfigureAwait(false);
                metadata += sealedManifest.Length;
                publishedNow = true;
            }
            catch (ObjectAlreadyExistsException)
            {
                // Another copier published the same backup meanwhile; its index is a function of its manifest: put it back.
                var theirs = await remote.ReadManifestAsync(backupId, ct).ConfigureAwait(false);
                if (!SameBackup(theirs, rm)) throw new RemoteBackupConflictException(remote.Location, backupId);
                var theirIndex = theirs.ToIndex().Tagged(codec).ToJson();
                if (RemoteIndex.Sha256Of(theirIndex) == theirs.IndexSha256 && theirs.IndexSha256 != rm.IndexSha256)
                    await remote.PutAsync(RemoteLayout.IndexKey(backupId), theirIndex, createOnly: false, ct).ConfigureAwait(false);
            }
            Step("published");
        }

        progress.Complete();
        // Published (or already so) with every reported object re-read or replaced: those reports are answered.
        foreach (var p in planned.Values) if (state.Reported.Contains(p.Name)) state.Resolved[p.Name] = true;
        var result = new JameyCopyResult
        {
            BackupId = backupId,
            Timestamp = m.CreatedAt,
            Source = state.Source.Root,
            Destination = state.Destination,
            Published = publishedNow,
            ObjectCount = planned.Count,
            ObjectsSent = progress.ObjectsSent,
            BytesSent = progress.BytesSent,
            ObjectsPresent = planned.Values.Count(p => p.Reused),
            BytesPresent = planned.Values.Where(p => p.Reused).Sum(p => p.Ref!.StoredSize),
            ObjectsRepaired = planned.Values.Count(p => p.Repaired),
            MetadataBytesSent = metadata,
            Duration = watch.Elapsed,
        };
        Interlocked.Add(ref state.BytesSent, result.BytesSent + metadata);
        _observer.Verbose($"Backup {backupId}: {result.ObjectsSent} object(s) sent ({HumanUnits.Bytes(result.BytesSent)}), {result.ObjectsPresent} already at the destination" +
            (result.ObjectsRepaired > 0 ? $", {result.ObjectsRepaired} repaired" : "") + (publishedNow ? "; published." : "; it was already published."));
        return result;
    }

    /// <summary>
    /// Deletes every damage report whose objects this run re-read or replaced. A name no copied backup holds (another
    /// backup's object) is read back against the stored hash the destination's indexes record: intact, it is answered;
    /// still damaged, the report stays (no local content to replace it from) and a warning says so.
    /// </summary>
    async Task SettleReportsAsync(RunState state, CancellationToken ct)
    {
        if (state.Reports.Count == 0) return;
        state.Known = null; // indexes published in this run vouch too
        foreach (var name in state.Reported.Where(n => !state.Resolved.ContainsKey(n)).ToList())
        {
            if (await StoredIntactAsync(state, name, ct).ConfigureAwait(false)) state.Resolved[name] = true;
            else _observer.Warning($"Object '{RemoteLayout.ObjectKey(name)}' at '{state.Destination}' is still damaged and no backup copied in this run holds it; " +
                "its damage report is kept (copy the backup that holds it, from a repository that still has it).");
        }
        foreach (var (key, report) in state.Reports)
        {
            if (!report.Objects.All(state.Resolved.ContainsKey)) continue;
            try { await state.Remote.Store.DeleteAsync(key, ct).ConfigureAwait(false); }
            catch (ObjectNotFoundException) { } // another copy answered it too
            catch (ObjectStoreException e) { _observer.Warning($"The damage report '{key}' could not be removed ({e.Message}); the next copy re-reads its objects again."); }
        }
    }

    /// <summary>True when the object's stored bytes hash to what a published index records for it.</summary>
    static async Task<bool> StoredIntactAsync(RunState state, string name, CancellationToken ct)
    {
        await KnownRefAsync(state, new Planned(name, new Manifest.StoredPart("", CompressionAlgorithm.None, 0, ""), ""), ct).ConfigureAwait(false);
        if (!state.Known!.TryGetValue(name, out var entry)) return false;
        try
        {
            await using var s = await state.Remote.Store.OpenReadAsync(RemoteLayout.ObjectKey(name), null, ct).ConfigureAwait(false);
            using var sha = SHA256.Create();
            await using (var hashing = new CryptoStream(Stream.Null, sha, CryptoStreamMode.Write)) await s.CopyToAsync(hashing, ct).ConfigureAwait(false);
            return Convert.ToHexStringLower(sha.Hash!) == entry.StoredSha256.ToLowerInvariant();
        }
        catch (ObjectNotFoundException) { return false; }
    }

    static void Reuse(Planned p, CopyProgress progress)
    {
        p.Reused = true;
        progress.ObjectDone(sent: false);
    }

    /// <summary>Same local backup: the same id, time and content of every file (the manifest's own hashes).</summary>
    static bool SameBackup(RemoteManifest a, RemoteManifest b) =>
        a.BackupId == b.BackupId && a.Manifest.CreatedAt == b.Manifest.CreatedAt && Digest(a.Manifest) == Digest(b.Manifest);

    static string Digest(Manifest m) => string.Join('\n', m.Files.Select(f => $"{f.Path} {f.Size} {f.Sha256}"));

    static async Task<RemoteManifest?> TryReadManifestAsync(RemoteRepository remote, string backupId, CancellationToken ct)
    {
        try { return await remote.ReadManifestAsync(backupId, ct).ConfigureAwait(false); }
        catch (BackupNotFoundException) { return null; }
    }

    async Task VerifyLocalAsync(BackupContent content, List<Manifest.StoredPart> parts, string backupId, RunState state, CancellationToken ct)
    {
        var progress = new ByteProgress(_observer, $"Checking backup {backupId} before copying it", parts.Count, parts.Sum(p => p.StoredSize));
        await Task.Run(() =>
        {
            for (int i = 0; i < parts.Count; i++)
            {
                progress.StartItem(i, parts[i].Stored);
                var (_, problem) = content.CheckStored(parts[i], progress.Add, ct);
                if (problem is not null)
                    throw new JameyException(JameyErrors.CopySourceNotVerified,
                        $"Backup {backupId} in '{state.Source.Root}' failed its check before copying: '{parts[i].Stored}' {problem}. Nothing of it was published at '{state.Destination}'; take a new backup (the next one stores that file afresh).",
                        backupId);
            }
        }, ct).ConfigureAwait(false);
        progress.Complete();
    }

    /// <summary>What the destination's indexes say an object's stored bytes are (read once per run, on first need).</summary>
    static async Task<RemoteObjectRef?> KnownRefAsync(RunState state, Planned p, CancellationToken ct)
    {
        if (state.Known is null)
        {
            var known = new Dictionary<string, RemoteIndexEntry>(StringComparer.Ordinal);
            await foreach (var id in state.Remote.ListBackupIdsAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    foreach (var o in (await state.Remote.ReadIndexAsync(id, null, ct).ConfigureAwait(false)).Objects) known.TryAdd(o.Name, o);
                }
                catch (RemoteManifestException) { } // a damaged index vouches for nothing
            }
            state.Known = known;
        }
        return state.Known.TryGetValue(p.Name, out var e) && state.Present.TryGetValue(p.Name, out var size) && size == e.StoredSize
            ? new RemoteObjectRef(p.Name, p.Part.Compression, e.StoredSize, e.StoredSha256) : null;
    }

    /// <summary>
    /// Reads an object the destination holds and decides whether it may be reused: its stored bytes are the local
    /// stored bytes (deterministic codec), or they open to the right content under either compression. Sets the ref
    /// when it may; false when it holds something else (damage, a truncation) and must be replaced.
    /// </summary>
    async Task<bool> ExaminePresentAsync(RunState state, Planned p, CancellationToken ct)
    {
        var remote = state.Remote;
        var codec = remote.Codec;
        var key = RemoteLayout.ObjectKey(p.Name);
        byte[] stored;
        try
        {
            await using var s = await remote.Store.OpenReadAsync(key, null, ct).ConfigureAwait(false);
            using var ms = new MemoryStream();
            await s.CopyToAsync(ms, ct).ConfigureAwait(false);
            stored = ms.ToArray();
        }
        catch (ObjectNotFoundException) { return false; }
        var storedSha = RemoteIndex.Sha256Of(stored);
        if (codec.SealIsDeterministic && storedSha == p.Part.StoredSha256.ToLowerInvariant())
        {
            p.Ref = new RemoteObjectRef(p.Name, p.Part.Compression, stored.LongLength, storedSha);
            return true;
        }
        if (codec.CanOpen)
        {
            foreach (var compression in new[] { p.Part.Compression, p.Part.Compression == CompressionAlgorithm.Zstd ? CompressionAlgorithm.None : CompressionAlgorithm.Zstd })
            {
                if (ContentMatches(codec, stored, compression, p.ContentSha256))
                {
                    p.Ref = new RemoteObjectRef(p.Name, compression, stored.LongLength, storedSha);
                    return true;
                }
            }
        }
        else if (await KnownRefAsync(state, p, ct).ConfigureAwait(false) is { } known && known.StoredSha256 == storedSha)
        {
            p.Ref = known;
            return true;
        }
        _observer.Warning($"The object '{key}' at '{state.Destination}' does not hold what its name says (damaged or cut short); it is replaced.");
        return false;
    }

    static bool ContentMatches(IObjectCodec codec, byte[] stored, CompressionAlgorithm compression, string contentSha256)
    {
        try
        {
            using var opened = codec.Open(new MemoryStream(stored, writable: false));
            using var plain = compression == CompressionAlgorithm.Zstd ? new DecompressionStream(opened, leaveOpen: true) : opened;
            return Convert.ToHexStringLower(SHA256.HashData(plain)) == contentSha256.ToLowerInvariant();
        }
        catch (Exception e) when (e is JameyException or IOException or ZstdException or InvalidDataException) { return false; }
    }

    async Task UploadAsync(RunState state, BackupContent content, Planned p, bool replace, CopyProgress progress, CancellationToken ct)
    {
        var remote = state.Remote;
        var codec = remote.Codec;
        var key = RemoteLayout.ObjectKey(p.Name);
        var localPath = content.StoredPath(p.Part.Stored);
        string? temp = null;
        try
        {
            Stream source;
            string sha;
            if (codec.SealIsDeterministic)
            {
                source = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
                sha = p.Part.StoredSha256.ToLowerInvariant(); // checked by VerifyLocal; the store checks it again as it sends
            }
            else
            {
                temp = Path.Combine(Path.GetTempPath(), $"jamey3-copy-{Guid.NewGuid():N}");
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Options = FileOptions.DeleteOnClose };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                var sealedFile = new FileStream(temp, options);
                await using (var plain = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
                    await codec.SealAsync(plain, sealedFile, ct).ConfigureAwait(false);
                sealedFile.Position = 0;
                sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(sealedFile, ct).ConfigureAwait(false));
                sealedFile.Position = 0;
                source = sealedFile;
            }
            long length = source.Length;
            var metered = new MeteredStream(source, state.Limiter, progress.Add, remote.Location.Kind == StoreKind.S3 ? 2 : 1);
            await using (metered)
            {
                try
                {
                    await remote.Store.WriteAsync(key, metered, new ObjectWrite(sha, CreateOnly: !replace), ct).ConfigureAwait(false);
                    p.Ref = new RemoteObjectRef(p.Name, p.Part.Compression, length, sha);
                    if (replace)
                    {
                        await ConfirmReplacedAsync(state, key, sha, ct).ConfigureAwait(false);
                        p.Repaired = true;
                    }
                    state.Present[p.Name] = length;
                    progress.ObjectDone(sent: true, metered.SentThisPass);
                }
                catch (ObjectAlreadyExistsException)
                {
                    // Another copier sent the same content meanwhile: as good as ours.
                    progress.Add(-metered.SentThisPass);
                    state.Present[p.Name] = length;
                    if (codec.SealIsDeterministic) p.Ref = new RemoteObjectRef(p.Name, p.Part.Compression, length, sha);
                    else if (!await ExaminePresentAsync(state, p, ct).ConfigureAwait(false))
                        throw new RemoteObjectDamagedException(remote.Location, key, "another copier wrote it at the same moment and it does not hold the right content");
                    p.Reused = true;
                    progress.ObjectDone(sent: false);
                }
            }
        }
        finally
        {
            if (temp is not null) try { File.Delete(temp); } catch (IOException) { }
        }
    }

    /// <summary>After replacing a damaged object: read it back and check it is now what was sent.</summary>
    static async Task ConfirmReplacedAsync(RunState state, string key, string sha, CancellationToken ct)
    {
        await using var s = await state.Remote.Store.OpenReadAsync(key, null, ct).ConfigureAwait(false);
        var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(s, ct).ConfigureAwait(false));
        if (actual != sha) throw new RemoteObjectDamagedException(state.Remote.Location, key, "it was replaced, but reading it back gives other bytes");
    }

    /// <summary>Bytes and objects of one backup's copy, reported at most ten times a second.</summary>
    sealed class CopyProgress(IOperationObserver observer, string activity, int objectCount)
    {
        long _bytes, _lastReport;
        int _objectsDone, _objectsSent;
        public long BytesTotal;
        public long BytesSent => Interlocked.Read(ref _bytes);
        public int ObjectsSent => _objectsSent;

        public void Add(long bytes)
        {
            Interlocked.Add(ref _bytes, bytes);
            Report(false);
        }

        public void ObjectDone(bool sent, long bytes = 0)
        {
            Interlocked.Increment(ref _objectsDone);
            if (sent) Interlocked.Increment(ref _objectsSent);
            Report(true);
        }

        void Report(bool force)
        {
            long now = Environment.TickCount64;
            long last = Interlocked.Read(ref _lastReport);
            if (!force && now - last < 100) return;
            if (Interlocked.CompareExchange(ref _lastReport, now, last) != last && !force) return;
            observer.Progress(new JameyProgress(activity,
                $"{_objectsDone} of {objectCount} objects, {HumanUnits.Bytes(BytesSent)} of {HumanUnits.Bytes(BytesTotal)} sent",
                _objectsDone, objectCount, BytesSent, BytesTotal));
        }

        public void Complete() => observer.Progress(new JameyProgress(activity, "Done", objectCount, objectCount, BytesSent, Math.Max(BytesSent, BytesTotal), Completed: true));
    }
}
