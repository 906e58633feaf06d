using Jamey3.Engine.Configuration;
using Jamey3.Engine.Errors;
using Jamey3.Engine.History;
using Jamey3.Engine.IO;
using Jamey3.Engine.Progress;
using Jamey3.Engine.Repository;

namespace Jamey3.Engine.Retention;

/// <summary>Which backups to remove: named ones (<see cref="BackupIds"/>), or those a policy no longer keeps.</summary>
public sealed record RetentionRequest(string RepositoryPath)
{
    /// <summary>Explicit removal of exactly these backups (staging leftovers included). Null: apply the policy.</summary>
    public IReadOnlyList<string>? BackupIds { get; init; }
    /// <summary>
    /// Policy: keep, for each component, at most this many complete backups that contain it, newest first (for a
    /// repository of full backups: this many backups). Null: no count limit.
    /// </summary>
    public int? MaxBackups { get; init; }
    /// <summary>Policy: remove backups older than this. Null: no age limit.</summary>
    public TimeSpan? MaxAge { get; init; }
    /// <summary>
    /// Remove staging folders left by backup runs that died (on by default: a killed run leaves an uncompressed database
    /// snapshot there that nothing else removes). A run holds the writer lock, so no live backup's staging is touched.
    /// trash/ leftovers are always removed.
    /// </summary>
    public bool CleanIncomplete { get; init; } = true;
    /// <summary>Explicit removal only: allow removing the protected backup (see <see cref="RetentionEngine"/>).</summary>
    public bool Force { get; init; }
    /// <summary>How long to wait for a running backup (the repository's writer lock).</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The policy of Jamey's settings: BACKUP_MAX_BACKUPS and BACKUP_RETENTION_DAYS, where 0 days means no age limit.
    /// Pass overrides to replace either.
    /// </summary>
    public static RetentionRequest FromSettings(string repositoryPath, JameySettings settings, int? maxBackups = null, double? retentionDays = null)
    {
        var days = retentionDays ?? settings.RetentionDays;
        return new RetentionRequest(repositoryPath)
        {
            MaxBackups = maxBackups ?? settings.MaxBackups,
            MaxAge = days > 0 ? TimeSpan.FromDays(days) : null,
        };
    }
}

/// <summary>What retention decided (and, after a run, did) for every backup and leftover in the repository.</summary>
public sealed class RetentionPlan
{
    internal RetentionPlan(DateTimeOffset evaluatedAt, List<JameyRetentionDecision> decisions, string? newestVerified, string? newestComplete,
        List<string> trash, List<JameyException> refusals)
    {
        EvaluatedAt = evaluatedAt;
        Decisions = decisions;
        NewestVerifiedId = newestVerified;
        NewestCompleteId = newestComplete;
        TrashLeftovers = trash;
        Refusals = refusals;
    }

    public DateTimeOffset EvaluatedAt { get; }
    /// <summary>One per backup or staging leftover, newest first.</summary>
    public IReadOnlyList<JameyRetentionDecision> Decisions { get; }
    public IEnumerable<JameyRetentionDecision> ToRemove => Decisions.Where(d => d.Action == RetentionAction.Remove);
    public IEnumerable<JameyRetentionDecision> ToKeep => Decisions.Where(d => d.Action == RetentionAction.Keep);
    /// <summary>The newest backup whose latest verification passed, if any.</summary>
    public string? NewestVerifiedId { get; }
    /// <summary>The newest complete backup of every component (a full backup), or, when there is none, the newest complete backup.</summary>
    public string? NewestCompleteId { get; }
    /// <summary>Folders under trash/ (removals that did not finish); a run always deletes them.</summary>
    public IReadOnlyList<string> TrashLeftovers { get; }
    /// <summary>Explicitly named backups that were not removed, each as the error to report (not found, protected, in progress).</summary>
    public IReadOnlyList<JameyException> Refusals { get; }
    /// <summary>After a run: removals that failed, each as the error to report.</summary>
    public IReadOnlyList<JameyException> Failures => _failures;
    internal readonly List<JameyException> _failures = [];
}

public sealed class BackupProtectedException(string backupId, string why)
    : JameyException(JameyErrors.BackupProtected,
        $"Backup '{backupId}' is {why}, which is never removed unless you insist: use -Force to remove it anyway.", backupId);

public sealed class BackupInProgressException(string backupId)
    : JameyException(JameyErrors.BackupInProgress,
        $"Backup '{backupId}' is being written by a running backup; it cannot be removed now.", backupId);

public sealed class RemoveBackupFailedException(string backupId, string path, Exception inner)
    : JameyException(JameyErrors.RemoveBackupFailed,
        $"Could not remove backup '{backupId}' ('{path}'): {inner.Message}. It is still listed as it was.", backupId, inner);

/// <summary>
/// Removes backups, by name or by policy, so that a failure half-way never leaves a backup that lists as good but
/// is missing files: each is first renamed from backups/ (or staging/) into trash/ (atomic: it leaves the listing at
/// once), the folder is flushed, and only then is the trash copy deleted; trash/ leftovers are deleted on every run.
/// Unchanged Lucene files are shared between backups by hard links; deleting one backup's link never affects another's.
/// <para>
/// Policy, newest first by the time each manifest records: a complete backup is kept when, for at least one of the
/// components it holds, it is among the newest <see cref="RetentionRequest.MaxBackups"/> complete backups holding that
/// component, and it is not older than <see cref="RetentionRequest.MaxAge"/>; otherwise removed. So a backup of one
/// component counts only towards that component, never as a full backup. Always kept, in addition to that count: the
/// newest backup whose latest verification (Test-JameyBackup, from the run history) passed, the newest full backup
/// (every component), and for each component the newest backup holding it, so that neither an age limit, nor a run
/// of unverified or partial backups, can leave the repository without a good copy of any component. Damaged backups
/// are kept (for salvage) until they exceed the age limit and count towards nothing. A backup dated in the future
/// (a clock that was wrong) is kept, counts towards nothing and is warned about: it can never push the backups
/// around it out. Staging leftovers of dead runs are removed (unless CleanIncomplete is off); a backup being written
/// is never touched: a run holds the repository's writer lock, so no backup can be running while it removes.
/// </para>
/// <para>
/// Explicit removal removes exactly the named backups, except the protected one: the newest verified backup, or,
/// when none was ever verified, the newest complete one; that needs <see cref="RetentionRequest.Force"/>.
/// </para>
/// </summary>
public sealed class RetentionEngine(IOperationObserver? observer = null, Func<DateTimeOffset>? clock = null)
{
    readonly IOperationObserver _observer = observer ?? NullObserver.Instance;
    readonly Func<DateTimeOffset> _now = clock ?? (() => DateTimeOffset.UtcNow);
    const string Activity = "Removing Jamey backups";

    /// <summary>Test hook: called after each named step.</summary>
    internal Action<string>? StepHook { get; init; }

    /// <summary>What <see cref="Run"/> would remove and keep, and why. Takes no lock and changes nothing (-WhatIf).</summary>
    public RetentionPlan Plan(RetentionRequest request, CancellationToken ct = default)
    {
        var repo = new BackupRepository(request.RepositoryPath);
        return Evaluate(repo, request, holdingWriterLock: false, ct);
    }

    /// <summary>
    /// Removes what the plan (made again under the writer lock) says, and deletes trash/ leftovers. Returns the plan with
    /// <see cref="JameyRetentionDecision.Removed"/> and <see cref="JameyRetentionDecision.Error"/> filled in.
    /// Throws RepositoryBusy when a backup is running past the lock timeout.
    /// </summary>
    public RetentionPlan Run(RetentionRequest request, CancellationToken ct = default)
    {
        var repo = new BackupRepository(request.RepositoryPath);
        var started = DateTimeOffset.UtcNow;
        RetentionPlan? plan = null;
        try
        {
            if (!repo.Exists) throw new DataPathNotFoundException(repo.Root, "backup repository");
            using var writer = repo.AcquireWriter("Remove-JameyBackup", request.LockTimeout, ct);
            if (writer.RecoveredFrom is { } stale)
                _observer.Warning($"Recovered the repository lock left by {stale}, which is no longer running.");
            plan = Evaluate(repo, request, holdingWriterLock: true, ct);
            foreach (var leftover in plan.TrashLeftovers) DeleteTrash(repo, leftover);

            var removals = plan.ToRemove.ToList();
            for (int i = 0; i < removals.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                var d = removals[i];
                _observer.Progress(new JameyProgress(Activity, $"Removing {d.BackupId} ({i + 1} of {removals.Count})", i, removals.Count, 0, 0));
                try
                {
                    Remove(repo, writer, d);
                    d.Removed = true;
                    _observer.Verbose($"Removed backup {d.BackupId}: {d.Reason}");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    d.Error = e.Message;
                    plan._failures.Add(new RemoveBackupFailedException(d.BackupId, d.Path, e));
                }
            }
            _observer.Progress(new JameyProgress(Activity, "Done", removals.Count, removals.Count, 0, 0, Completed: true));
            Record(repo, started, plan, null);
            return plan;
        }
        catch (Exception e)
        {
            _observer.Progress(new JameyProgress(Activity, "Stopped", 0, 0, 0, 0, Completed: true));
            Record(repo, started, plan, e);
            throw;
        }
    }

    RetentionPlan Evaluate(BackupRepository repo, RetentionRequest request, bool holdingWriterLock, CancellationToken ct)
    {
        if (request.MaxBackups is < 1) throw new JameyException(JameyErrors.InvalidRetentionPolicy, "MaxBackups must be at least 1.", request.MaxBackups);
        if (request.MaxAge is { } age && age < TimeSpan.Zero) throw new JameyException(JameyErrors.InvalidRetentionPolicy, "The retention age cannot be negative.", age);
        var now = _now();
        var backups = repo.List(now, ct).ToList();
        if (holdingWriterLock)
        {
            // We hold the writer lock, so nothing in staging is being written: all of it was left by runs that died.
            foreach (var b in backups.Where(b => b.Status == BackupStatus.InProgress))
            {
                b.Status = BackupStatus.Incomplete;
                b.Problem = "left in staging by a run that did not finish";
            }
        }
        if (request.BackupIds is null) // an explicit removal (also what a confirmed policy run becomes) names what it removes
            foreach (var b in backups.Where(b => b.InFuture))
                _observer.Warning($"Backup {b.BackupId} is {b.Warning}.");
        var verified = VerifiedBackups(repo);
        // Only current backups (Complete, not dated in the future) can be "the newest" anything.
        var complete = backups.Where(BackupRepository.IsCurrent).ToList();
        var newestVerified = complete.FirstOrDefault(b => verified.TryGetValue(b.BackupId, out var ok) && ok)?.BackupId;
        var newestComplete = (complete.FirstOrDefault(IsFull) ?? complete.FirstOrDefault())?.BackupId;
        var refusals = new List<JameyException>();
        var decisions = request.BackupIds is { } ids
            ? Explicit(repo, backups, ids, newestVerified, newestComplete, request.Force, refusals)
            : Policy(backups, request, now, newestVerified, newestComplete);
        var trash = repo.TrashLeftovers();
        return new RetentionPlan(now, decisions, newestVerified, newestComplete, trash, refusals);
    }

    /// <summary>A backup of every component: what restores the whole data directory.</summary>
    internal static bool IsFull(JameyBackup b) => Data.DataLayout.All.All(c => b.Components.Any(x => x.Component == c));

    internal static List<JameyRetentionDecision> Policy(List<JameyBackup> backups, RetentionRequest r, DateTimeOffset now, string? newestVerified, string? newestComplete)
    {
        var decisions = new List<JameyRetentionDecision>();
        // Per component: how many current backups holding it were met so far, newest first.
        var ranks = new Dictionary<JameyComponent, int>();
        foreach (var b in backups)
        {
            var age = now - b.Timestamp;
            bool tooOld = r.MaxAge is { } max && age > max;
            string ageText = $"{age.TotalDays:0.#} days old";
            switch (b.Status)
            {
                case BackupStatus.Complete when b.InFuture:
                    decisions.Add(Decide(b, RetentionAction.Keep, RetentionRule.InFuture,
                        $"dated {b.Timestamp.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, in the future of this machine's clock; kept, and counted towards nothing until the clock passes it"));
                    break;
                case BackupStatus.Complete:
                    // Its best rank over the components it holds: a database-only backup ranks among database backups only.
                    JameyComponent? bestComponent = null;
                    int rank = int.MaxValue;
                    bool newestOfComponent = false;
                    foreach (var c in b.Components.Select(x => x.Component).Distinct())
                    {
                        int n = ranks[c] = ranks.GetValueOrDefault(c) + 1;
                        if (n == 1) newestOfComponent = true;
                        if (n < rank) (rank, bestComponent) = (n, c);
                    }
                    bool full = IsFull(b);
                    string which = full ? $"complete backup number {rank}" : $"backup number {rank} of {bestComponent} (a backup of {Parts(b)} only)";
                    if (b.BackupId == newestVerified)
                        decisions.Add(Decide(b, RetentionAction.Keep, RetentionRule.NewestVerified, "the newest backup that passed verification is always kept"));
                    else if (b.BackupId == newestComplete)
                        decisions.Add(Decide(b, RetentionAction.Keep, RetentionRule.NewestComplete, full
                            ? "the newest full backup is always kept"
                            : "the newest complete backup is always kept (there is no backup of every component)"));
                    else if (newestOfComponent)
                        decisions.Add(Decide(b, RetentionAction.Keep, RetentionRule.NewestOfComponent,
                            $"the newest backup of {string.Join(", ", NewestOf(b, ranks))} is always kept"));
                    else if (r.MaxBackups is { } m && rank > m)
                        decisions.Add(Decide(b, RetentionAction.Remove, RetentionRule.ExceedsMaxBackups,
                            full ? $"{which}, newest first; the policy keeps {m}" : $"{which}, newest first; the policy keeps {m} of each component"));
                    else if (tooOld)
                        decisions.Add(Decide(b, RetentionAction.Remove, RetentionRule.ExceedsMaxAge, $"{ageText}; the policy keeps {r.MaxAge!.Value.TotalDays:0.#} days"));
                    else
                        decisions.Add(Decide(b, RetentionAction.Keep, RetentionRule.WithinPolicy, $"{which}, {ageText}"));
                    break;
                case BackupStatus.Damaged:
                    decisions.Add(tooOld
                        ? Decide(b, RetentionAction.Remove, RetentionRule.ExceedsMaxAge, $"damaged ({b.Problem}) and {ageText}")
                        : Decide(b, RetentionAction.Keep, RetentionRule.Damaged, $"damaged ({b.Problem}); kept for salvage until it is older than the age limit"));
                    break;
                case BackupStatus.InProgress:
                    decisions.Add(Decide(b, RetentionAction.Keep, RetentionRule.InProgress, "being written by a running backup"));
                    break;
                case BackupStatus.Incomplete:
                    decisions.Add(r.CleanIncomplete
                        ? Decide(b, RetentionAction.Remove, RetentionRule.Incomplete, "left in staging by a run that did not finish")
                        : Decide(b, RetentionAction.Keep, RetentionRule.Incomplete, "left in staging by a run that did not finish; removed only when incomplete leftovers are cleaned"));
                    break;
            }
        }
        return decisions;
    }

    static string Parts(JameyBackup b) => string.Join(", ", b.Components.Select(c => c.Component));

    /// <summary>The components of which <paramref name="b"/> is the newest backup (their rank is 1 right after it was counted).</summary>
    static IEnumerable<JameyComponent> NewestOf(JameyBackup b, Dictionary<JameyComponent, int> ranks) =>
        b.Components.Select(c => c.Component).Distinct().Where(c => ranks[c] == 1);

    static List<JameyRetentionDecision> Explicit(BackupRepository repo, List<JameyBackup> backups, IReadOnlyList<string> ids,
        string? newestVerified, string? newestComplete, bool force, List<JameyException> refusals)
    {
        var requested = new HashSet<string>(ids, StringComparer.Ordinal);
        var protectedId = newestVerified ?? newestComplete;
        var protectedWhy = newestVerified is not null ? "the newest backup that passed verification" : "the newest complete backup (no backup was ever verified)";
        var decisions = new List<JameyRetentionDecision>();
        foreach (var b in backups)
        {
            if (!requested.Remove(b.BackupId))
            {
                decisions.Add(Decide(b, RetentionAction.Keep, RetentionRule.NotRequested, "not named"));
                continue;
            }
            if (b.Status == BackupStatus.InProgress)
            {
                refusals.Add(new BackupInProgressException(b.BackupId));
                decisions.Add(Decide(b, RetentionAction.Keep, RetentionRule.InProgress, "being written by a running backup"));
            }
            else if (b.BackupId == protectedId && !force)
            {
                refusals.Add(new BackupProtectedException(b.BackupId, protectedWhy));
                decisions.Add(Decide(b, RetentionAction.Keep, RetentionRule.Protected, $"{protectedWhy}; removing it needs Force"));
            }
            else
            {
                decisions.Add(Decide(b, RetentionAction.Remove, RetentionRule.Requested, "named for removal"));
            }
        }
        foreach (var missing in ids.Where(requested.Contains).Distinct())
            refusals.Add(new BackupNotFoundException(missing, repo.Root));
        return decisions;
    }

    internal static JameyRetentionDecision Decide(JameyBackup b, RetentionAction action, RetentionRule rule, string reason) => new()
    {
        BackupId = b.BackupId, Timestamp = b.Timestamp, Status = b.Status, Path = b.Path, StoredSize = b.StoredSize,
        Action = action, Rule = rule, Reason = reason,
    };

    /// <summary>Backup id → whether its latest verification passed, from the run history (unreadable history: none).</summary>
    static Dictionary<string, bool> VerifiedBackups(BackupRepository repo)
    {
        var result = new Dictionary<string, bool>(StringComparer.Ordinal);
        RunHistoryDocument doc;
        try { doc = new RunHistory(repo.StateDirectory).Read(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException) { return result; }
        foreach (var run in doc.Runs.Where(r => r.Operation == RunOperation.Verify && r.BackupId is not null).OrderBy(r => r.FinishedAt))
            result[run.BackupId!] = run.Success;
        // The bounded run list may have dropped an old success; any later verification of that backup is still in the list.
        if (doc.Latest.TryGetValue(RunOperation.Verify, out var latest) && latest.LastSuccess?.BackupId is { } id)
            result.TryAdd(id, true);
        return result;
    }

    /// <summary>Renames the backup into trash/ (it leaves the listing atomically), then deletes it there.</summary>
    void Remove(BackupRepository repo, RepositoryLock writer, JameyRetentionDecision d)
    {
        var trash = repo.MoveToTrash(writer, d.BackupId, d.Path, staged: d.Status is BackupStatus.Incomplete or BackupStatus.InProgress);
        StepHook?.Invoke($"retention:trashed:{d.BackupId}");
        DeleteTrash(repo, trash);
    }

    void DeleteTrash(BackupRepository repo, string folder)
    {
        try
        {
            repo.DeleteFromTrash(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _observer.Warning($"Could not delete '{folder}' from the repository's trash: {e.Message}. It is no longer a backup; the next run deletes it.");
        }
    }

    void Record(BackupRepository repo, DateTimeOffset started, RetentionPlan? plan, Exception? error)
    {
        var removed = plan?.Decisions.Where(d => d.Removed).ToList() ?? [];
        var problems = plan is null ? [] : plan.Refusals.Concat(plan.Failures).ToList<Exception>();
        if (error is not null) problems.Insert(0, error);
        new RunRecorder(repo.Root, repo.StateDirectory, RunOperation.Retention, _observer, started)
            .Ended(problems, removed.Count == 1 ? removed[0].BackupId : null, removed.Sum(d => d.StoredSize));
    }
}
