using System.Management.Automation;
using Jamey3.Commands.Infrastructure;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Restore;

namespace Jamey3.Commands.Cmdlets;

[Cmdlet(VerbsData.Restore, "JameyBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ById)]
[OutputType(typeof(JameyRestoreResult), ParameterSetName = [ById, ByInputObject, ByPath, ByLiteralPath])]
[OutputType(typeof(JameyRestoreRecovery), ParameterSetName = [RecoverSet])]
public sealed class RestoreJameyBackupCommand : JameyCmdlet
{
    const string ById = "ById";
    const string ByInputObject = "InputObject";
    const string ByPath = "Path";
    const string ByLiteralPath = "LiteralPath";
    const string RecoverSet = "Recover";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByInputObject)]
    public JameyBackup? InputObject { get; set; }

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ById)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BackupIdCompleter))]
    public string? BackupId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ById)]
    [Alias("RepositoryPath")]
    [ValidateNotNullOrEmpty]
    public string? BackupPath { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ByPath)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Taken literally; binds from PSPath, so a folder piped from Get-ChildItem restores.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ByLiteralPath)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string? LiteralPath { get; set; }

    [Parameter(ParameterSetName = ById)]
    [Parameter(ParameterSetName = ByInputObject)]
    [Parameter(ParameterSetName = ByPath)]
    [Parameter(ParameterSetName = ByLiteralPath)]
    [ValidateNotNullOrEmpty]
    public JameyComponentSelector[]? Component { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DataPath { get; set; }

    [Parameter(ParameterSetName = ById)]
    [Parameter(ParameterSetName = ByInputObject)]
    [Parameter(ParameterSetName = ByPath)]
    [Parameter(ParameterSetName = ByLiteralPath)]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    /// <summary>Salvage: restore a backup that fails verification. Explicit on purpose.</summary>
    [Parameter(ParameterSetName = ById)]
    [Parameter(ParameterSetName = ByInputObject)]
    [Parameter(ParameterSetName = ByPath)]
    [Parameter(ParameterSetName = ByLiteralPath)]
    public SwitchParameter AllowDamaged { get; set; }

    /// <summary>Restore even while a process holds the data open for writing.</summary>
    [Parameter(ParameterSetName = ById)]
    [Parameter(ParameterSetName = ByInputObject)]
    [Parameter(ParameterSetName = ByPath)]
    [Parameter(ParameterSetName = ByLiteralPath)]
    public SwitchParameter Force { get; set; }

    [Parameter(ParameterSetName = ById)]
    [Parameter(ParameterSetName = ByInputObject)]
    [Parameter(ParameterSetName = ByPath)]
    [Parameter(ParameterSetName = ByLiteralPath)]
    public SwitchParameter DiscardRollback { get; set; }

    /// <summary>Also run integrity_check and CheckIndex on the staged copy before the swap.</summary>
    [Parameter(ParameterSetName = ById)]
    [Parameter(ParameterSetName = ByInputObject)]
    [Parameter(ParameterSetName = ByPath)]
    [Parameter(ParameterSetName = ByLiteralPath)]
    public SwitchParameter Deep { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = RecoverSet)]
    public SwitchParameter Recover { get; set; }

    /// <summary>For a -BackupPath URL: the store's credential; without it, each SDK's usual places are used.</summary>
    [Parameter(ParameterSetName = ById)]
    [Parameter(ParameterSetName = ByInputObject)]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>For an encrypted remote repository: identity files (age-keygen's format) holding a recipient's private key.</summary>
    [Parameter(ParameterSetName = ById)]
    [Parameter(ParameterSetName = ByInputObject)]
    [ValidateNotNullOrEmpty]
    public string[]? IdentityFile { get; set; }

    /// <summary>For a passphrase-protected remote repository: its passphrase.</summary>
    [Parameter(ParameterSetName = ById)]
    [Parameter(ParameterSetName = ByInputObject)]
    public System.Security.SecureString? Passphrase { get; set; }

    /// <summary>For an encrypted remote repository, on the backup host: its repository key file (lists and the sampled check without a private key).</summary>
    [Parameter(ParameterSetName = ById)]
    [Parameter(ParameterSetName = ByInputObject)]
    [ValidateNotNullOrEmpty]
    public string? KeyFile { get; set; }

    Jamey3.Engine.Encryption.RepositoryKeyMaterial? EncryptionMaterial() => EncryptionKeys.Material(this, IdentityFile, Passphrase, KeyFile);

    // A backup of a remote repository (-BackupPath URL, or a piped backup listed from one): its location and id.
    readonly List<(string Location, string BackupId)> _remote = [];

    // Restoring is one backup into one place: piped input is gathered first, and more than one backup is an error.
    readonly List<(BackupRepository Repository, string BackupId)> _requested = [];

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case ByInputObject:
                var b = InputObject!;
                if (RemoteSources.IsRemote(b.RepositoryPath)) _remote.Add((b.RepositoryPath!, b.BackupId));
                else _requested.Add((BackupTarget.RepositoryOf(b), b.BackupId));
                break;
            case ById when RemoteSources.IsRemote(BackupPath):
                _remote.Add((BackupPath!, BackupId!));
                break;
            case ById:
                _requested.Add((new BackupRepository(ResolveBackupPath(BackupPath)), BackupId!));
                break;
            case ByPath:
                foreach (var folder in ResolveWildcardPaths([Path!])) _requested.Add(BackupTarget.FromFolder(folder));
                break;
            case ByLiteralPath:
                _requested.Add(BackupTarget.FromFolder(ResolvePath(LiteralPath!)));
                break;
        }
    }

    protected override void EndProcessing()
    {
        var dataPath = ResolveDataPath(DataPath);
        if (ParameterSetName == RecoverSet)
        {
            RecoverInterrupted(dataPath);
            return;
        }
        var distinct = _requested.DistinctBy(r => (r.Repository.Root, r.BackupId)).ToList();
        var remote = _remote.Distinct().ToList();
        if (distinct.Count + remote.Count == 0) return;
        if (distinct.Count + remote.Count > 1)
        {
            var ids = distinct.Select(d => d.BackupId).Concat(remote.Select(r => r.BackupId)).ToArray();
            ThrowTerminatingError(ErrorMapping.Create(JameyErrors.MultipleBackupsForOneTarget,
                $"{ids.Length} backups were given ({string.Join(", ", ids)}) for one destination; restore one backup at a time (for example Get-JameyBackup -Newest 1 | Restore-JameyBackup). Nothing was restored.",
                ids));
            return;
        }
        if (remote.Count == 1)
        {
            RestoreRemote(remote[0].Location, remote[0].BackupId, dataPath);
            return;
        }
        if (distinct.Count > 1)
        {
            ThrowTerminatingError(ErrorMapping.Create(JameyErrors.MultipleBackupsForOneTarget,
                $"{distinct.Count} backups were given ({string.Join(", ", distinct.Select(d => d.BackupId))}) for one destination; restore one backup at a time (for example Get-JameyBackup -Newest 1 | Restore-JameyBackup). Nothing was restored.",
                distinct.Select(d => d.BackupId).ToArray()));
            return;
        }

        var (repositoryToUse, backupId) = distinct[0];
        var request = new RestoreRequest(repositoryToUse.Root, backupId, dataPath)
        {
            Components = Component,
            Destination = Destination is null ? null : ResolvePath(Destination),
            AllowDamaged = AllowDamaged,
            Force = Force,
            KeepRollback = !DiscardRollback,
            Deep = Deep,
        };

        JameyRestorePlan plan;
        try { plan = new RestoreEngine().Plan(request, Stopping); }
        catch (Exception e) when (e is not PipelineStoppedException) { ThrowEngineError(e, backupId); return; }

        // Refusals come before the prompt: asking to confirm a restore that would then be refused is a question with no
        // real answer, and -WhatIf must show the refusal the real run would meet. The engine checks again under its lock.
        if (!Force)
        {
            try { DataInUse.EnsureFree(plan.Destination, plan.Items.Select(i => i.Component), probeDatabase: false); }
            catch (Exception e) when (e is not PipelineStoppedException) { ThrowEngineError(e, backupId); return; }
        }

        var replaced = string.Join(Environment.NewLine, plan.Items.Select(i => $"  {i.Component}: {i.TargetPath}{(i.ReplacesExisting ? " (replaced)" : " (created)")}"));
        var description = $"Restore backup {plan.BackupId} (taken {plan.BackupTimestamp.ToLocalTime():yyyy-MM-dd HH:mm:ss}) into '{plan.Destination}':{Environment.NewLine}{replaced}";
        if (!ShouldProcess(description, $"Replace {string.Join(", ", plan.Items.Select(i => i.Component))} in '{plan.Destination}' with backup {plan.BackupId}?", "Restore-JameyBackup"))
            return;

        try
        {
            WriteObject(RunEngine((observer, ct) => new RestoreEngine(observer).Run(request, ct)));
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            ThrowEngineError(e, backupId);
        }
    }

    /// <summary>
    /// Straight from a remote repository, no local repository needed: the same plan, refusals and prompt, then the same
    /// verified, staged, journaled swap, every object checked against its stored hash and its content hash.
    /// </summary>
    void RestoreRemote(string url, string backupId, string dataPath)
    {
        var request = new RestoreRequest(url, backupId, dataPath)
        {
            Components = Component,
            Destination = Destination is null ? null : ResolvePath(Destination),
            AllowDamaged = AllowDamaged,
            Force = Force,
            KeepRollback = !DiscardRollback,
        };
        Jamey3.Engine.Remote.RemoteBackupSource source;
        try { source = RunEngine((_, ct) => RemoteSources.Open(url, Credential, ct, EncryptionMaterial())); }
        catch (Exception e) when (e is not PipelineStoppedException) { ThrowEngineError(e, backupId); return; }
        using (source)
        {
            JameyRestorePlan plan;
            try { plan = RunEngine((_, ct) => source.PlanRestore(request, ct)); }
            catch (Exception e) when (e is not PipelineStoppedException) { ThrowEngineError(e, backupId); return; }
            if (!Force)
            {
                try { DataInUse.EnsureFree(plan.Destination, plan.Items.Select(i => i.Component), probeDatabase: false); }
                catch (Exception e) when (e is not PipelineStoppedException) { ThrowEngineError(e, backupId); return; }
            }
            var replaced = string.Join(Environment.NewLine, plan.Items.Select(i => $"  {i.Component}: {i.TargetPath}{(i.ReplacesExisting ? " (replaced)" : " (created)")}"));
            var description = $"Restore backup {plan.BackupId} (taken {plan.BackupTimestamp.ToLocalTime():yyyy-MM-dd HH:mm:ss}) from '{source.Location}' into '{plan.Destination}':{Environment.NewLine}{replaced}";
            if (!ShouldProcess(description, $"Replace {string.Join(", ", plan.Items.Select(i => i.Component))} in '{plan.Destination}' with backup {plan.BackupId} from '{source.Location}'?", "Restore-JameyBackup"))
                return;
            try
            {
                WriteObject(RunEngine((observer, ct) => source.Restore(request, observer, ct)));
            }
            catch (Exception e) when (e is not PipelineStoppedException)
            {
                ThrowEngineError(e, backupId);
            }
        }
    }

    void RecoverInterrupted(string dataPath)
    {
        if (!RestoreEngine.HasInterruptedWork(dataPath))
        {
            // Nothing to finish or roll back: say so, and ask nothing.
            WriteInformation(new HostInformationMessage { Message = $"Nothing to recover in '{dataPath}': no restore was interrupted there." }, ["PSHOST"]);
            return;
        }
        if (!ShouldProcess($"interrupted restores in '{dataPath}'", "Finish or roll back")) return;
        try
        {
            var recoveries = RunEngine((observer, ct) => RestoreEngine.Recover(dataPath, observer, null, ct));
            foreach (var r in recoveries)
            {
                WriteObject(new JameyRestoreRecovery
                {
                    OperationId = r.OperationId, BackupId = r.BackupId, Action = r.Action.ToString(), Components = r.Components.ToArray(),
                    Destination = dataPath, RollbackPath = r.RollbackPath, Message = r.Message,
                });
            }
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            ThrowEngineError(e, dataPath);
        }
    }
}
