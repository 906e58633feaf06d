using System.Management.Automation;
using Jamey3.Commands.Infrastructure;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Remote;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Verification;

namespace Jamey3.Commands.Cmdlets;

[Cmdlet(VerbsDiagnostic.Test, "JameyBackup", DefaultParameterSetName = ById)]
[OutputType(typeof(JameyBackupTestResult))]
public sealed class TestJameyBackupCommand : RemoteRepositoryCmdlet
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

    /// <summary>Remote repositories: re-read only this share (percent) of each backup's objects, chosen at random per run.</summary>
    [Parameter]
    [ValidateRange(0.001, 100.0)]
    public double Sample { get; set; }

    /// <summary>Remote repositories: re-read only objects up to this many stored bytes per backup, chosen at random per run.</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long SampleBytes { get; set; }

    bool Sampled => MyInvocation.BoundParameters.ContainsKey(nameof(Sample)) || MyInvocation.BoundParameters.ContainsKey(nameof(SampleBytes));

    RemoteBackupSource? _remote;

    protected override void EndProcessing() => _remote?.Dispose();
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
                    if (RemoteSources.IsRemote(b.RepositoryPath)) TestRemote(b.RepositoryPath!, b.BackupId);
                    else if (!RefuseSampleLocally()) Test(BackupTarget.RepositoryOf(b), b.BackupId);
                }
                break;
            case ById when RemoteSources.IsRemote(BackupPath):
                foreach (var id in BackupId!) TestRemote(BackupPath!, id);
                break;
            case ById:
                if (RefuseSampleLocally()) return;
                var repository = new BackupRepository(ResolveBackupPath(BackupPath));
                foreach (var id in BackupId!) Test(repository, id);
                break;
            case ByPath:
                if (RefuseSampleLocally()) return;
                foreach (var folder in ResolveWildcardPaths(Path!))
                {
                    var (repo, id) = BackupTarget.FromFolder(folder);
                    Test(repo, id);
                }
                break;
            case ByLiteralPath:
                if (RefuseSampleLocally()) return;
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

    /// <summary>A local repository is read from its own disk: sampling saves nothing there, so it is refused rather than silently ignored.</summary>
    bool RefuseSampleLocally()
    {
        if (!Sampled) return false;
        ThrowTerminatingError(ErrorMapping.Create(JameyErrors.RemoteNotSupported,
            "-Sample and -SampleBytes read a share of a remote repository's objects; a local repository is checked whole (use -Quick for a fast pass).", BackupPath));
        return true;
    }

    void TestRemote(string url, string backupId)
    {
        var mode = Sampled ? VerificationMode.Sampled : Quick ? VerificationMode.Quick : Deep ? VerificationMode.Deep : VerificationMode.Full;
        var sample = Sampled
            ? new RemoteSample(MyInvocation.BoundParameters.ContainsKey(nameof(Sample)) ? Sample : null,
                MyInvocation.BoundParameters.ContainsKey(nameof(SampleBytes)) ? SampleBytes : null)
            : null;
        try
        {
            _remote ??= RunEngine((_, ct) => RemoteSources.Open(url, Credential, ct, EncryptionMaterial()));
            WriteVerbose(mode switch
            {
                VerificationMode.Sampled => $"Testing backup {backupId} in '{_remote.Location}' (sampled): re-reading a random {(sample!.Percent is { } p ? $"{p}% " : "")}{(sample.Bytes is { } b ? $"up to {FormatBytes(b)} " : "")}of its objects against their hashes.",
                VerificationMode.Quick => $"Testing backup {backupId} in '{_remote.Location}' (quick): re-reading every object against its stored hash.",
                VerificationMode.Deep => $"Testing backup {backupId} in '{_remote.Location}' (deep): reading every object, then rebuilding the files in a temporary folder for footers, readers, integrity_check and CheckIndex.",
                _ => $"Testing backup {backupId} in '{_remote.Location}' (full): reading every object, then rebuilding the files in a temporary folder for footers, readers and quick_check.",
            });
            var source = _remote;
            var result = RunEngine((observer, ct) => new RemoteVerifier(observer).Verify(source, backupId, mode, sample, ct));
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
