using Jamey3.Engine.Errors;
using Jamey3.Engine.Progress;
using Jamey3.Engine.Retention;
using Jamey3.Engine.Stores;

namespace Jamey3.Engine.Remote;

/// <summary>Which backups of a remote repository to remove (named, or by the policy), and how objects are collected.</summary>
public sealed record RemoteRetentionRequest
{
    /// <summary>Explicit removal of exactly these backups. Null: apply the policy.</summary>
    public IReadOnlyList<string>? BackupIds { get; init; }
    /// <summary>Policy: as <see cref="RetentionRequest.MaxBackups"/>.</summary>
    public int? MaxBackups { get; init; }
    /// <summary>Policy: as <see cref="RetentionRequest.MaxAge"/>.</summary>
    public TimeSpan? MaxAge { get; init; }
    /// <summary>Explicit removal only: also remove the newest complete backup, which is otherwise protected.</summary>
    public bool Force { get; init; }
    /// <summary>Time between marking an object unneeded and deleting it (phase 1 to phase 2). Default 24 h.</summary>
    public TimeSpan GracePeriod { get; init; } = RemoteGarbageCollector.DefaultGracePeriod;
    /// <summary>Run garbage collection after removing (on by default; also when nothing was removed, so due marks are swept).</summary>
    public bool CollectGarbage { get; init; } = true;
}

/// <summary>A remote retention run: the decisions (with Removed set), and what garbage collection did.</summary>
public sealed record RemoteRetentionResult(RetentionPlan Plan, RemoteGcReport? Garbage);

/// <summary>
/// Retention on a remote repository (docs/remote-format.md, "Retention and deleting objects"). The policy is the local
/// one (<see cref="RetentionEngine"/>: per component counts, an age limit, the newest complete backup always kept,
/// damaged ones kept for salvage until too old). A remote repository has no run history, so "the newest verified
/// backup" is unknown there and the newest full backup is what is protected. Removing a backup deletes
/// <c>manifests/&lt;id&gt;</c> first (it leaves listings at once), then <c>indexes/&lt;id&gt;</c>; its objects are only
/// deleted by <see cref="RemoteGarbageCollector"/>, after the grace period, if no backup needs them then.
/// </summary>
public sealed class RemoteRetention(IOperationObserver? observer = null, Func<DateTimeOffset>? clock = null)
{
    readonly IOperationObserver _observer = observer ?? NullObserver.Instance;
    readonly Func<DateTimeOffset> _now = clock ?? (() => DateTimeOffset.UtcNow);
    const string Activity = "Removing Jamey backups";

    /// <summary>Test hook: called after each named step (<c>remote:manifest-deleted:&lt;id&gt;</c>, <c>remote:index-deleted:&lt;id&gt;</c>).</summary>
    internal Action<string>? StepHook { get; init; }
    /// <summary>Test hook: handed to the garbage collector.</summary>
    internal Action<string>? GcStepHook { get; init; }

    /// <summary>What <see cref="RunAsync"/> would remove and keep, and why. Changes nothing.</summary>
    public async Task<RetentionPlan> PlanAsync(RemoteRepository repo, RemoteRetentionRequest request, CancellationToken ct = default)
    {
        if (request.MaxBackups is < 1) throw new JameyException(JameyErrors.InvalidRetentionPolicy, "MaxBackups must be at least 1.", request.MaxBackups);
        if (request.MaxAge is { } age && age < TimeSpan.Zero) throw new JameyException(JameyErrors.InvalidRetentionPolicy, "The retention age cannot be negative.", age);
        RemoteGarbageCollector.ValidateGracePeriod(request.GracePeriod);
        var now = _now();
        var backups = new List<JameyBackup>();
        await foreach (var b in repo.ListBackupsAsync(ct).ConfigureAwait(false)) backups.Add(b);
        // Newest first, by the time each manifest records (the local policy's order); a Damaged one by its id's time.
        backups = backups.OrderByDescending(b => b.Timestamp).ThenByDescending(b => b.BackupId, StringComparer.Ordinal).ToList();
        if (request.BackupIds is null)
            foreach (var b in backups.Where(b => b.InFuture))
                _observer.Warning($"Backup {b.BackupId} at '{repo.Location}' is dated in the future of this machine's clock; it is kept and counted towards nothing.");
        var complete = backups.Where(Repository.BackupRepository.IsCurrent).ToList();
        var newestComplete = (complete.FirstOrDefault(RetentionEngine.IsFull) ?? complete.FirstOrDefault())?.BackupId;
        var refusals = new List<JameyException>();
        var decisions = request.BackupIds is { } ids
            ? Explicit(repo, backups, ids, newestComplete, request.Force, refusals)
            : RetentionEngine.Policy(backups, new RetentionRequest(repo.Location.ToString()) { MaxBackups = request.MaxBackups, MaxAge = request.MaxAge },
                now, newestVerified: null, newestComplete);
        return new RetentionPlan(now, decisions, null, newestComplete, [], refusals);
    }

    /// <summary>Removes what the plan (made again now) says, then collects garbage. Failures of one removal are in the plan's Failures.</summary>
    public async Task<RemoteRetentionResult> RunAsync(RemoteRepository repo, RemoteRetentionRequest request, CancellationToken ct = default)
    {
        var plan = await PlanAsync(repo, request, ct).ConfigureAwait(false);
        var removals = plan.ToRemove.ToList();
        for (int i = 0; i < removals.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var d = removals[i];
            _observer.Progress(new JameyProgress(Activity, $"Removing {d.BackupId} from {repo.Location} ({i + 1} of {removals.Count})", i, removals.Count, 0, 0));
            try
            {
                // The manifest first: the backup leaves every listing at once, and a removal that dies before the index is
                // deleted only leaves an index that keeps its objects (conservative) until a sweep finds it orphaned.
                await repo.Store.DeleteAsync(RemoteLayout.ManifestKey(d.BackupId), ct).ConfigureAwait(false);
                StepHook?.Invoke($"remote:manifest-deleted:{d.BackupId}");
                await repo.Store.DeleteAsync(RemoteLayout.IndexKey(d.BackupId), ct).ConfigureAwait(false);
                StepHook?.Invoke($"remote:index-deleted:{d.BackupId}");
                d.Removed = true;
                _observer.Verbose($"Removed backup {d.BackupId} from '{repo.Location}': {d.Reason}");
            }
            catch (ObjectStoreException e) when (e is not ObjectStoreCredentialException)
            {
                d.Error = e.Message;
                plan._failures.Add(new JameyException(JameyErrors.RemoteRemoveFailed,
                    $"Could not remove backup '{d.BackupId}' from '{repo.Location}': {e.Message}", d.BackupId, e));
            }
        }
        _observer.Progress(new JameyProgress(Activity, "Done", removals.Count, removals.Count, 0, 0, Completed: true));
        RemoteGcReport? gc = null;
        if (request.CollectGarbage)
            gc = await new RemoteGarbageCollector(_observer, _now) { StepHook = GcStepHook }.RunAsync(repo, request.GracePeriod, ct).ConfigureAwait(false);
        return new RemoteRetentionResult(plan, gc);
    }

    static List<JameyRetentionDecision> Explicit(RemoteRepository repo, List<JameyBackup> backups, IReadOnlyList<string> ids,
        string? newestComplete, bool force, List<JameyException> refusals)
    {
        var requested = new HashSet<string>(ids, StringComparer.Ordinal);
        const string protectedWhy = "the newest complete backup at this destination";
        var decisions = new List<JameyRetentionDecision>();
        foreach (var b in backups)
        {
            if (!requested.Remove(b.BackupId))
                decisions.Add(RetentionEngine.Decide(b, RetentionAction.Keep, RetentionRule.NotRequested, "not named"));
            else if (b.BackupId == newestComplete && !force)
            {
                refusals.Add(new BackupProtectedException(b.BackupId, protectedWhy));
                decisions.Add(RetentionEngine.Decide(b, RetentionAction.Keep, RetentionRule.Protected, $"{protectedWhy}; removing it needs Force"));
            }
            else
                decisions.Add(RetentionEngine.Decide(b, RetentionAction.Remove, RetentionRule.Requested, "named for removal"));
        }
        foreach (var missing in ids.Where(requested.Contains).Distinct())
            refusals.Add(new BackupNotFoundException(missing, repo.Location.ToString()));
        return decisions;
    }
}
