using System.Management.Automation;
using Jamey3.Commands.Infrastructure;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Remote;
using Jamey3.Engine.Stores;

namespace Jamey3.Commands.Cmdlets;

/// <summary>
/// Copies complete, verified local backups to another repository (a folder or an object store), content-addressed and
/// published last (docs/remote-format.md). Maps parameters onto <see cref="RemoteCopier"/>; everything else is the engine's.
/// </summary>
[Cmdlet(VerbsCommon.Copy, "JameyBackup", DefaultParameterSetName = ById, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(JameyCopyResult))]
public sealed class CopyJameyBackupCommand : JameyCmdlet
{
    const string ById = "ById";
    const string ByInputObject = "InputObject";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByInputObject)]
    public JameyBackup[]? InputObject { get; set; }

    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ById)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BackupIdCompleter))]
    public string[]? BackupId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ById)]
    [Alias("RepositoryPath")]
    [ValidateNotNullOrEmpty]
    public string? BackupPath { get; set; }

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Encrypted destination: this host's repository key file (created owner-only by the first copy to a new destination).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KeyFile { get; set; }

    /// <summary>A new encrypted destination: the public keys (age1…) to encrypt to.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Recipient { get; set; }

    /// <summary>A new encrypted destination: files of public keys to encrypt to.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? RecipientFile { get; set; }

    /// <summary>A new passphrase-protected destination: its passphrase (needed once, at setup).</summary>
    [Parameter]
    public System.Security.SecureString? Passphrase { get; set; }

    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 4;

    [Parameter]
    [ValidateRange(1024, long.MaxValue)]
    public long MaxBytesPerSecond { get; set; }

    /// <summary>Re-read every object the destination already holds for these backups and replace any that is damaged.</summary>
    [Parameter]
    public SwitchParameter Repair { get; set; }

    StoreLocation? _destination;
    // Backups to copy, per local repository, in the order they arrived (piped or named).
    readonly Dictionary<string, List<string>> _queued = new(StringComparer.Ordinal);
    bool _copyAll;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        try
        {
            _destination = StoreLocation.LooksLikeUrl(Destination) ? StoreLocation.Parse(Destination) : StoreLocation.Local(ResolvePath(Destination));
        }
        catch (JameyException e) { ThrowEngineError(e, StoreLocation.Redact(Destination)); }
        if (Credential is not null && _destination!.Kind == StoreKind.Local)
            WriteWarning($"-Credential is ignored: the destination '{_destination}' is a local folder.");
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ByInputObject)
        {
            foreach (var b in InputObject!)
            {
                if (StoreLocation.LooksLikeUrl(b.RepositoryPath ?? ""))
                {
                    WriteError(ErrorMapping.Create(JameyErrors.InvalidBackupPath,
                        $"Backup {b.BackupId} is in '{b.RepositoryPath}', a remote repository; Copy-JameyBackup copies from a local repository.", b.BackupId));
                    continue;
                }
                var repo = BackupTarget.RepositoryOf(b).Root;
                if (ShouldProcess($"backup {b.BackupId} of '{repo}' to '{_destination}'", "Copy"))
                    Queue(repo, b.BackupId);
            }
            return;
        }
        var path = ResolveBackupPath(BackupPath);
        if (BackupId is null)
        {
            if (ShouldProcess($"every Complete backup of '{path}' that '{_destination}' lacks", "Copy")) { _copyAll = true; Queue(path, null); }
            return;
        }
        foreach (var id in BackupId)
            if (ShouldProcess($"backup {id} of '{path}' to '{_destination}'", "Copy")) Queue(path, id);
    }

    void Queue(string repository, string? id)
    {
        if (!_queued.TryGetValue(repository, out var ids)) _queued[repository] = ids = [];
        if (id is not null && !ids.Contains(id)) ids.Add(id);
    }

    // One run per source repository: one lease and one listing of the destination for all its backups.
    protected override void EndProcessing()
    {
        foreach (var (repository, ids) in _queued)
        {
            if (ids.Count == 0 && !_copyAll) continue;
            WriteVerbose(ids.Count == 0
                ? $"Copying every Complete backup of '{repository}' that '{_destination}' lacks."
                : $"Copying {string.Join(", ", ids)} of '{repository}' to '{_destination}'.");
            try
            {
                var run = RunEngine((observer, ct) => CopyAsync(repository, ids.Count == 0 ? null : ids, observer, ct).GetAwaiter().GetResult());
                foreach (var failure in run.Failures) WriteEngineError(failure.Error, failure.BackupId);
            }
            catch (Exception e) when (e is not PipelineStoppedException)
            {
                WriteEngineError(e, _destination!.ToString());
            }
        }
    }

    async Task<CopyRun> CopyAsync(string repository, IReadOnlyList<string>? ids, Engine.Progress.QueuedObserver observer, CancellationToken ct)
    {
        var options = RemoteSources.Options(_destination!, Credential);
        await using var store = ObjectStores.Open(_destination!, options);
        var request = new CopyRequest(repository, store)
        {
            BackupIds = ids,
            ThrottleLimit = ThrottleLimit,
            MaxBytesPerSecond = MaxBytesPerSecond > 0 ? MaxBytesPerSecond : null,
            Repair = Repair,
            // Encryption: the key material is resolved against the destination when the copier chooses its codec.
            Keys = EncryptionKeys.Material(this, null, Passphrase, KeyFile, Recipient, RecipientFile) is { } keys ? new Jamey3.Engine.Encryption.AgeKeyMaterial(keys, store) : null,
        };
        return await new RemoteCopier(observer).CopyAsync(request, r => observer.Output(r), ct).ConfigureAwait(false);
    }
}
