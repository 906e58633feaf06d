using System.Management.Automation;
using Jamey3.Commands.Infrastructure;
using Jamey3.Engine.Remote;
using Jamey3.Engine.Retention;
using Jamey3.Engine.Stores;

namespace Jamey3.Commands.Cmdlets;

[Cmdlet(VerbsCommon.Remove, "JameyBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ById)]
[OutputType(typeof(JameyRetentionDecision))]
public sealed class RemoveJameyBackupCommand : RemoteRepositoryCmdlet
{
    const string ById = "ById";
    const string ByInputObject = "InputObject";
    const string RetentionSet = "Retention";
    const string RollbackSet = "Rollback";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByInputObject)]
    public JameyBackup[]? InputObject { get; set; }

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ById)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BackupIdCompleter))]
    public string[]? BackupId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ById)]
    [Parameter(ParameterSetName = RetentionSet)]
    [Alias("RepositoryPath")]
    [ValidateNotNullOrEmpty]
    public string? BackupPath { get; set; }

    /// <summary>Rollback folders of committed restores to remove, by operation id (binds from piped Get-JameyBackup -Rollback objects, live or deserialized).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = RollbackSet)]
    [ValidateNotNullOrEmpty]
    public string[]? OperationId { get; set; }

    /// <summary>The data directory whose rollback folders are removed (-OperationId), or, with -Retention, also kept in check. Defaults to JAMEY_DATA_DIR.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = RollbackSet)]
    [Parameter(ParameterSetName = RetentionSet)]
    [ValidateNotNullOrEmpty]
    public string? DataPath { get; set; }

    /// <summary>Apply the retention policy (BACKUP_RETENTION_DAYS, BACKUP_MAX_BACKUPS) instead of naming backups.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RetentionSet)]
    public SwitchParameter Retention { get; set; }

    [Parameter(ParameterSetName = RetentionSet)]
    [ValidateRange(0.0, 36600.0)]
    public double RetentionDays { get; set; }

    [Parameter(ParameterSetName = RetentionSet)]
    [ValidateRange(1, 100000)]
    public int MaxBackups { get; set; }

    /// <summary>Kept for scripts that pass it: staging leftovers of dead runs are now always removed by retention.</summary>
    [Parameter(ParameterSetName = RetentionSet)]
    public SwitchParameter IncludeIncomplete { get; set; }

    /// <summary>Named removal only: also remove the newest verified backup, which is otherwise protected.</summary>
    [Parameter(ParameterSetName = ById)]
    [Parameter(ParameterSetName = ByInputObject)]
    public SwitchParameter Force { get; set; }

    [Parameter]
    [ValidateRange(0, 86400)]
    public int LockTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// A remote repository (a URL -BackupPath): how long an object no backup needs stays before it is deleted (the time
    /// between garbage collection's marking and its sweep, which a later run does). Default 24 hours.
    /// </summary>
    [Parameter(ParameterSetName = ById)]
    [Parameter(ParameterSetName = ByInputObject)]
    [Parameter(ParameterSetName = RetentionSet)]
    public TimeSpan GracePeriod { get; set; } = RemoteGarbageCollector.DefaultGracePeriod;

    /// <summary>Write one decision per removed backup; without it the command writes nothing, as Remove-Item does.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case ByInputObject:
                foreach (var b in InputObject!)
                {
                    if (b.RepositoryPath is { } r && StoreLocation.LooksLikeUrl(r)) RemoveRemote(r, new RemoteRetentionRequest { BackupIds = [b.BackupId], Force = Force });
                    else RemoveNamed(BackupTarget.RepositoryOf(b).Root, [b.BackupId]);
                }
                break;
            case ById:
                if (BackupPath is { } url && StoreLocation.LooksLikeUrl(url)) RemoveRemote(url, new RemoteRetentionRequest { BackupIds = BackupId!, Force = Force });
                else RemoveNamed(ResolveBackupPath(BackupPath), BackupId!);
                break;
            case RollbackSet:
                var data = ResolveDataPath(DataPath);
                RemoveRollbacks(data, OperationId!.Where(id => ShouldProcess($"rollback folder of restore {id} in '{data}'", "Remove")).ToList(), []);
                break;
        }
    }

    /// <summary>Removes committed restores' rollback folders; each removed one is reported as a decision with the rule Rollback.</summary>
    void RemoveRollbacks(string data, IReadOnlyList<string> ids, Dictionary<string, string> reasons)
    {
        if (ids.Count == 0) return;
        var refusals = new List<Jamey3.Engine.Errors.JameyException>();
        List<JameyRollback> removed;
        try
        {
            removed = RunEngine((observer, ct) => RollbackFolders.Remove(data, ids, TimeSpan.FromSeconds(LockTimeoutSeconds), refusals, observer.Warning, ct));
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteEngineError(e, data);
            return;
        }
        foreach (var refusal in refusals) WriteEngineError(refusal);
        foreach (var r in removed)
        {
            WriteVerbose($"Removed the rollback folder '{r.Path}'.");
            if (!PassThru) continue;
            WriteObject(new JameyRetentionDecision
            {
                BackupId = r.RestoredBackupId, Timestamp = r.RestoredAt, Status = BackupStatus.Complete, Path = r.Path, StoredSize = r.Size,
                Action = RetentionAction.Remove, Rule = RetentionRule.Rollback, Removed = true,
                Reason = reasons.TryGetValue(r.OperationId, out var why) ? why : $"rollback folder of restore {r.OperationId}, named for removal",
            });
        }
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName != RetentionSet) return;
        var bound = MyInvocation.BoundParameters;
        if (BackupPath is { } url && StoreLocation.LooksLikeUrl(url))
        {
            var settings = RetentionRequest.FromSettings(url, Settings,
                bound.ContainsKey(nameof(MaxBackups)) ? MaxBackups : null,
                bound.ContainsKey(nameof(RetentionDays)) ? RetentionDays : null);
            RemoveRemote(url, new RemoteRetentionRequest { MaxBackups = settings.MaxBackups, MaxAge = settings.MaxAge });
            return;
        }
        var repository = ResolveBackupPath(BackupPath);
        var policy = RetentionRequest.FromSettings(repository, Settings,
            bound.ContainsKey(nameof(MaxBackups)) ? MaxBackups : null,
            bound.ContainsKey(nameof(RetentionDays)) ? RetentionDays : null) with
        {
            LockTimeout = TimeSpan.FromSeconds(LockTimeoutSeconds),
        };
        RetentionPlan plan;
        try { plan = new RetentionEngine().Plan(policy, Stopping); }
        catch (Exception e) when (e is not PipelineStoppedException) { ThrowEngineError(e, repository); return; }

        // A wrong clock's backup is kept uncounted; say so even under -WhatIf, where nothing else runs.
        foreach (var d in plan.Decisions.Where(d => d.Rule == RetentionRule.InFuture)) WriteWarning($"Backup {d.BackupId} is {d.Reason}.");
        foreach (var keep in plan.ToKeep) WriteVerbose($"Keep {keep.BackupId}: {keep.Reason}");
        var toRemove = plan.ToRemove.ToList();
        var approved = toRemove.Where(d => ShouldProcess($"backup {d.BackupId} (taken {d.Timestamp.ToLocalTime():yyyy-MM-dd HH:mm:ss}, {d.Status}): {d.Reason}", "Remove"))
            .Select(d => d.BackupId).ToList();
        // Nothing approved: stop (all declined, or -WhatIf). With nothing to remove, the run still cleans trash/
        // leftovers and records its outcome, so it asks too: -WhatIf must change nothing at all.
        bool run = approved.Count > 0
            || (toRemove.Count == 0 && ShouldProcess($"the repository '{repository}' (nothing to remove; clean trash/ leftovers)", "Apply retention"));
        // The policy is evaluated again under the writer lock; only what was approved here is removed.
        if (run) Execute(policy, approved);
        ApplyRollbackRetention(policy);
    }

    /// <summary>Retention of the data directory's rollback folders: only the latest restore's undo, within the age limit, stays.</summary>
    void ApplyRollbackRetention(RetentionRequest policy)
    {
        var data = ResolveDataPath(DataPath);
        if (!Directory.Exists(data)) return; // a repository examined away from its data directory
        List<(JameyRollback Rollback, RetentionAction Action, string Reason)> plan;
        try { plan = RollbackFolders.Plan(data, policy.MaxAge, DateTimeOffset.UtcNow); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { WriteWarning($"Could not read the rollback folders in '{data}': {e.Message}"); return; }
        foreach (var keep in plan.Where(p => p.Action == RetentionAction.Keep)) WriteVerbose($"Keep {keep.Rollback.Path}: {keep.Reason}");
        var approved = plan.Where(p => p.Action == RetentionAction.Remove && ShouldProcess($"{p.Rollback.Path} ({JameyCmdlet.FormatBytes(p.Rollback.Size)}): {p.Reason}", "Remove"))
            .ToList();
        RemoveRollbacks(data, approved.Select(p => p.Rollback.OperationId).ToList(), approved.ToDictionary(p => p.Rollback.OperationId, p => p.Reason));
    }

    void RemoveNamed(string repository, IReadOnlyList<string> ids)
    {
        var request = new RetentionRequest(repository) { BackupIds = ids, Force = Force, LockTimeout = TimeSpan.FromSeconds(LockTimeoutSeconds) };
        // Refusals (unknown id, the protected newest verified backup, a backup being written) are reported before any
        // prompt, and under -WhatIf too: only what would really be removed is asked about. The run checks again under the lock.
        RetentionPlan plan;
        try { plan = new RetentionEngine().Plan(request, Stopping); }
        catch (Exception e) when (e is not PipelineStoppedException) { WriteEngineError(e, repository); return; }
        foreach (var refusal in plan.Refusals) WriteEngineError(refusal);
        var approved = plan.ToRemove
            .Where(d => ids.Contains(d.BackupId, StringComparer.Ordinal))
            .Where(d => ShouldProcess($"backup {d.BackupId} (taken {d.Timestamp.ToLocalTime():yyyy-MM-dd HH:mm:ss}, {d.Status}) in '{repository}'", "Remove"))
            .Select(d => d.BackupId).ToList();
        if (approved.Count == 0) return;
        Execute(request with { BackupIds = approved }, approved);
    }

    void Execute(RetentionRequest request, IReadOnlyList<string> approved)
    {
        RetentionPlan result;
        try
        {
            result = RunEngine((observer, ct) => new RetentionEngine(observer).Run(Restrict(request, approved), ct));
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteEngineError(e, request.RepositoryPath);
            return;
        }
        foreach (var refusal in result.Refusals) WriteEngineError(refusal);
        foreach (var failure in result.Failures) WriteEngineError(failure);
        foreach (var d in result.Decisions.Where(d => d.Removed))
        {
            WriteVerbose($"Removed backup {d.BackupId}: {d.Reason}");
            if (PassThru) WriteObject(d);
        }
    }

    /// <summary>
    /// A remote repository: the engine plans (named backups or the policy), each removal is confirmed here, then the engine
    /// removes what was approved and runs garbage collection (its sweep deletes objects marked more than -GracePeriod ago).
    /// Credentials come from -Credential or where each store's SDK looks (environment, credential files).
    /// </summary>
    void RemoveRemote(string url, RemoteRetentionRequest request)
    {
        request = request with { GracePeriod = GracePeriod };
        StoreLocation location;
        try
        {
            location = StoreLocation.Parse(url);
            RemoteGarbageCollector.ValidateGracePeriod(GracePeriod);
        }
        catch (Exception e) when (e is not PipelineStoppedException) { ThrowEngineError(e, StoreLocation.Redact(url)); return; }
        var keys = EncryptionMaterial();
        RetentionPlan plan;
        try
        {
            plan = RunEngine((observer, ct) => Task.Run(async () =>
            {
                await using var store = ObjectStores.Open(location, RemoteSources.Options(location, Credential));
                var repo = await OpenRemoteAsync(store, location, keys, ct).ConfigureAwait(false);
                return await new Engine.Remote.RemoteRetention(observer).PlanAsync(repo, request, ct).ConfigureAwait(false);
            }, ct).GetAwaiter().GetResult());
        }
        catch (Exception e) when (e is not PipelineStoppedException) { WriteEngineError(e, location.ToString()); return; }
        foreach (var refusal in plan.Refusals) WriteEngineError(refusal);
        foreach (var keep in plan.ToKeep) WriteVerbose($"Keep {keep.BackupId}: {keep.Reason}");
        var approved = plan.ToRemove
            .Where(d => ShouldProcess($"backup {d.BackupId} (taken {d.Timestamp.ToLocalTime():yyyy-MM-dd HH:mm:ss}, {d.Status}) in '{location}': {d.Reason}", "Remove"))
            .Select(d => d.BackupId).ToList();
        // With nothing to remove a run still collects garbage, which deletes objects: it asks too (-WhatIf changes nothing).
        bool run = approved.Count > 0
            || (!plan.ToRemove.Any() && request.BackupIds is null
                && ShouldProcess($"the remote repository '{location}' (nothing to remove; delete objects no backup needs, marked more than {GracePeriod} ago)", "Collect garbage"));
        if (!run) return;
        // Only what was approved: the approved ids become an explicit list, planned again by the run.
        var execute = request with { BackupIds = approved, MaxBackups = null, MaxAge = null, Force = request.Force || request.BackupIds is null };
        RemoteRetentionResult result;
        try
        {
            result = RunEngine((observer, ct) => Task.Run(async () =>
            {
                await using var store = ObjectStores.Open(location, RemoteSources.Options(location, Credential));
                var repo = await OpenRemoteAsync(store, location, keys, ct).ConfigureAwait(false);
                return await new Engine.Remote.RemoteRetention(observer).RunAsync(repo, execute, ct).ConfigureAwait(false);
            }, ct).GetAwaiter().GetResult());
        }
        catch (Exception e) when (e is not PipelineStoppedException) { WriteEngineError(e, location.ToString()); return; }
        foreach (var failure in result.Plan.Failures) WriteEngineError(failure);
        if (result.Garbage is { } gc)
        {
            if (gc.SweepSkipped is { } why) WriteVerbose($"Objects were not deleted in this run: {why}.");
            WriteVerbose($"Garbage collection at '{location}': deleted {gc.DeletedObjects} object(s) ({JameyCmdlet.FormatBytes(gc.DeletedBytes)}), " +
                $"marked {gc.MarkedObjects} for deletion after {GracePeriod} ({gc.PendingRecords} record(s) pending).");
        }
        foreach (var d in result.Plan.Decisions.Where(d => d.Removed))
        {
            WriteVerbose($"Removed backup {d.BackupId} from '{location}': {d.Reason}");
            if (PassThru) WriteObject(d);
        }
    }

    /// <summary>The codec its config names, with the key material given (an encrypted repository needs at least its key file).</summary>
    static async Task<RemoteRepository> OpenRemoteAsync(IObjectStore store, StoreLocation location, Engine.Encryption.RepositoryKeyMaterial? keys, CancellationToken ct)
    {
        var config = await RemoteRepository.ReadConfigAsync(store, ct).ConfigureAwait(false) ?? throw new RemoteRepositoryNotFoundException(location);
        var material = keys is null ? null : new Engine.Encryption.AgeKeyMaterial(keys, store);
        return await RemoteRepository.OpenAsync(store, RemoteCodecs.Select(config, material, location), ct).ConfigureAwait(false);
    }

    /// <summary>A policy run removes only what the operator approved: the approved ids become an explicit list.</summary>
    static RetentionRequest Restrict(RetentionRequest request, IReadOnlyList<string> approved) =>
        request.BackupIds is not null ? request : request with { BackupIds = approved, Force = false, MaxBackups = null, MaxAge = null };
}
