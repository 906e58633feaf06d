using System.Management.Automation;
using Jamey3.Commands.Infrastructure;
using Jamey3.Engine.Backup;
using Jamey3.Engine.Data;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Verification;

namespace Jamey3.Commands.Cmdlets;

[Cmdlet(VerbsCommon.New, "JameyBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(JameyBackup))]
public sealed class NewJameyBackupCommand : JameyCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? DataPath { get; set; }

    [Parameter(Position = 1)]
    [Alias("RepositoryPath")]
    [ValidateNotNullOrEmpty]
    public string? BackupPath { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public JameyComponentSelector[]? Component { get; set; }

    [Parameter]
    public CompressionAlgorithm? Compression { get; set; }

    [Parameter]
    public SwitchParameter Verify { get; set; }

    [Parameter]
    public SwitchParameter Full { get; set; }

    [Parameter]
    [ValidateRange(0, 86400)]
    public int LockTimeoutSeconds { get; set; } = 10;

    protected override void EndProcessing()
    {
        if (!Settings.Enabled)
        {
            WriteWarning("Backups are disabled (BACKUP_ENABLED is false); no backup was taken. Set BACKUP_ENABLED=true to enable them.");
            return;
        }
        var dataPath = ResolveDataPath(DataPath);
        var backupPath = ResolveBackupPath(BackupPath);
        var components = DataLayout.Expand(Component);
        var request = new BackupRequest(dataPath, backupPath)
        {
            Components = components,
            Compression = Compression ?? (Settings.Compress ? CompressionAlgorithm.Zstd : CompressionAlgorithm.None),
            LockTimeout = TimeSpan.FromSeconds(LockTimeoutSeconds),
            ShareUnchangedFiles = !Full,
        };
        // A data directory that does not exist is the usual mistake of a bare New-JameyBackup run in the wrong folder
        // (the default repository, data/backups, lies inside it): say so, and create nothing. With an existing
        // repository the engine records the failed run there, for the metrics and alerts.
        if (!Directory.Exists(dataPath) && !Directory.Exists(backupPath))
        {
            ThrowEngineError(new DataPathNotFoundException(dataPath), dataPath);
            return;
        }
        if (!ShouldProcess($"{string.Join(", ", components)} of '{dataPath}' into '{backupPath}'", "Back up")) return;

        JameyBackup backup;
        try
        {
            backup = RunEngine((observer, ct) => new BackupEngine(observer).Run(request, ct));
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            ThrowEngineError(e, dataPath);
            return;
        }

        if (Verify)
        {
            JameyBackupTestResult result;
            try
            {
                result = RunEngine((observer, ct) =>
                    new BackupVerifier(observer).Verify(new BackupRepository(backupPath), backup.BackupId, VerificationMode.Full, ct));
            }
            catch (Exception e) when (e is not PipelineStoppedException)
            {
                // The backup exists even though it could not be verified: report both.
                WriteEngineError(e, backup.BackupId);
                WriteObject(backup);
                return;
            }
            backup.Verified = result.Passed;
            if (!result.Passed)
                WriteError(ErrorMapping.Create(JameyErrors.BackupVerificationFailed,
                    $"Backup {backup.BackupId} failed verification: {string.Join("; ", result.Problems.Select(p => p.ToString()))}", backup));
        }
        WriteObject(backup);
    }
}
