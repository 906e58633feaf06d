using System.Management.Automation;
using Jamey3.Commands.Infrastructure;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Verification;

namespace Jamey3.Commands.Cmdlets;

[Cmdlet(VerbsDiagnostic.Test, "JameyBackup", DefaultParameterSetName = ById)]
[OutputType(typeof(JameyBackupTestResult))]
public sealed class TestJameyBackupCommand : JameyCmdlet
{
    const string ById = "ById";
    const string ByInputObject = "InputObject";
    const string ByPath = "Path";
    const string ByLiteralPath = "LiteralPath";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByInputObject)]
    public JameyBackup[]? InputObject { get; set; }

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ById)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BackupIdCompleter))]
    public string[]? BackupId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ById)]
    [Alias("RepositoryPath")]
    [ValidateNotNullOrEmpty]
    public string? BackupPath { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ByPath)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    /// <summary>Taken literally; binds from PSPath, so Get-ChildItem &lt;repository&gt;/backups | Test-JameyBackup works.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ByLiteralPath)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[]? LiteralPath { get; set; }

    /// <summary>Only re-hash the stored files; skip restoring and opening the database and indices.</summary>
    [Parameter]
    public SwitchParameter Quick { get; set; }

    /// <summary>Also run integrity_check on the database and Lucene's CheckIndex on every index (seconds per index).</summary>
    [Parameter]
    public SwitchParameter Deep { get; set; }

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        if (Quick && Deep)
            ThrowTerminatingError(ErrorMapping.Create(JameyErrors.VerificationModeConflict,
                "-Quick and -Deep ask for opposite checks: -Quick only re-hashes the stored files, -Deep adds integrity_check and CheckIndex to the full test. Give one of them (or neither, for the full test). Nothing was tested.",
                null));
    }

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case ByInputObject:
                foreach (var b in InputObject!)
                {
                    if (b.Status is BackupStatus.Incomplete or BackupStatus.InProgress) { WriteObject(NotPublished(b)); continue; }
                    Test(BackupTarget.RepositoryOf(b), b.BackupId);
                }
                break;
            case ById:
                var repository = new BackupRepository(ResolveBackupPath(BackupPath));
                foreach (var id in BackupId!) Test(repository, id);
                break;
            case ByPath:
                foreach (var folder in ResolveWildcardPaths(Path!))
                {
                    var (repo, id) = BackupTarget.FromFolder(folder);
                    Test(repo, id);
                }
                break;
            case ByLiteralPath:
                foreach (var p in LiteralPath!)
                {
                    var (repo, id) = BackupTarget.FromFolder(ResolvePath(p));
                    Test(repo, id);
                }
                break;
        }
    }

    void Test(BackupRepository repository, string backupId)
    {
        var mode = Quick ? VerificationMode.Quick : Deep ? VerificationMode.Deep : VerificationMode.Full;
        WriteVerbose(mode switch
        {
            VerificationMode.Quick => $"Testing backup {backupId} in '{repository.Root}' (quick): re-hashing every stored file against its manifest.",
            VerificationMode.Deep => $"Testing backup {backupId} in '{repository.Root}' (deep): restoring it to a temporary folder, checking every content hash and Lucene footer, then integrity_check and CheckIndex.",
            _ => $"Testing backup {backupId} in '{repository.Root}' (full): restoring it to a temporary folder, checking every content hash and Lucene footer, opening every index and quick_check of the database.",
        });
        try
        {
            var result = RunEngine((observer, ct) => new BackupVerifier(observer).Verify(repository, backupId, mode, ct));
            WriteVerbose($"Backup {backupId} {(result.Passed ? "passed" : $"failed with {result.Problems.Length} problem(s)")}: {result.FilesChecked} file(s), {FormatBytes(result.BytesChecked)} checked in {FormatDuration(result.Duration)}.");
            WriteObject(result);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteEngineError(e, backupId);
        }
    }

    static JameyBackupTestResult NotPublished(JameyBackup b) => new()
    {
        BackupId = b.BackupId, Path = b.Path, BackupTimestamp = b.Timestamp, Passed = false, TestedAt = DateTimeOffset.UtcNow,
        Problems = [new JameyBackupProblem { Message = $"backup {b.BackupId} is {b.Status}: {b.Problem}" }],
    };
}
