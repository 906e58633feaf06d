using System.Management.Automation;
using Jamey3.Commands.Infrastructure;
using Jamey3.Engine.Retention;

namespace Jamey3.Commands.Cmdlets;

[Cmdlet(VerbsCommon.Remove, "JameyBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ById)]
[OutputType(typeof(JameyRetentionDecision))]
public sealed class RemoveJameyBackupCommand : JameyCmdlet
{
    const string ById = "ById";
    const string ByInputObject = "InputObject";
    const string RetentionSet = "Retention";

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

    /// <summary>Apply the retention policy (BACKUP_RETENTION_DAYS, BACKUP_MAX_BACKUPS) instead of naming backups.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RetentionSet)]
    public SwitchParameter Retention { get; set; }

    [Parameter(ParameterSetName = RetentionSet)]
    [ValidateRange(0.0, 36600.0)]
    public double RetentionDays { get; set; }

    [Parameter(ParameterSetName = RetentionSet)]
    [ValidateRange(1, 100000)]
    public int MaxBackups { get; set; }

    [Parameter(ParameterSetName = RetentionSet)]
    public SwitchParameter IncludeIncomplete { get; set; }

    /// <summary>Named removal only: also remove the newest verified backup, which is otherwise protected.</summary>
    [Parameter(ParameterSetName = ById)]
    [Parameter(ParameterSetName = ByInputObject)]
    public SwitchParameter Force { get; set; }

    [Parameter]
    [ValidateRange(0, 86400)]
    public int LockTimeoutSeconds { get; set; } = 10;

    /// <summary>Write one decision per removed backup; without it the command writes nothing, as Remove-Item does.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case ByInputObject:
                foreach (var b in InputObject!)
                    RemoveNamed(BackupTarget.RepositoryOf(b).Root, [b.BackupId]);
                break;
            case ById:
                RemoveNamed(ResolveBackupPath(BackupPath), BackupId!);
                break;
        }
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName != RetentionSet) return;
        var bound = MyInvocation.BoundParameters;
        var repository = ResolveBackupPath(BackupPath);
        var policy = RetentionRequest.FromSettings(repository, Settings,
            bound.ContainsKey(nameof(MaxBackups)) ? MaxBackups : null,
            bound.ContainsKey(nameof(RetentionDays)) ? RetentionDays : null) with
        {
            CleanIncomplete = IncludeIncomplete,
            LockTimeout = TimeSpan.FromSeconds(LockTimeoutSeconds),
        };
        RetentionPlan plan;
        try { plan = new RetentionEngine().Plan(policy, Stopping); }
        catch (Exception e) when (e is not PipelineStoppedException) { ThrowEngineError(e, repository); return; }

        foreach (var keep in plan.ToKeep) WriteVerbose($"Keep {keep.BackupId}: {keep.Reason}");
        var toRemove = plan.ToRemove.ToList();
        var approved = toRemove.Where(d => ShouldProcess($"backup {d.BackupId} (taken {d.Timestamp.ToLocalTime():yyyy-MM-dd HH:mm:ss}, {d.Status}): {d.Reason}", "Remove"))
            .Select(d => d.BackupId).ToList();
        // Nothing approved: stop (all declined, or -WhatIf). With nothing to remove, the run still cleans trash/
        // leftovers and records its outcome, so it asks too: -WhatIf must change nothing at all.
        if (approved.Count == 0 && (toRemove.Count > 0 || !ShouldProcess($"the repository '{repository}' (nothing to remove; clean trash/ leftovers)", "Apply retention")))
            return;
        // The policy is evaluated again under the writer lock; only what was approved here is removed.
        Execute(policy, approved);
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

    /// <summary>A policy run removes only what the operator approved: the approved ids become an explicit list.</summary>
    static RetentionRequest Restrict(RetentionRequest request, IReadOnlyList<string> approved) =>
        request.BackupIds is not null ? request : request with { BackupIds = approved, Force = false, MaxBackups = null, MaxAge = null };
}
