using System.Management.Automation;
using Jamey3.Commands.Infrastructure;
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
    [Alias("LiteralPath")]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    /// <summary>Only re-hash the stored files; skip restoring and opening the database and indices.</summary>
    [Parameter]
    public SwitchParameter Quick { get; set; }

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
                foreach (var p in Path!)
                {
                    var (repo, id) = BackupTarget.FromFolder(ResolvePath(p));
                    Test(repo, id);
                }
                break;
        }
    }

    void Test(BackupRepository repository, string backupId)
    {
        var mode = Quick ? VerificationMode.Quick : VerificationMode.Full;
        try
        {
            WriteObject(RunEngine((observer, ct) => new BackupVerifier(observer).Verify(repository, backupId, mode, ct)));
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
