using System.Management.Automation;
using Jamey3.Commands.Infrastructure;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Remote;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Stores;

namespace Jamey3.Commands.Cmdlets;

[Cmdlet(VerbsCommon.Get, "JameyBackup", DefaultParameterSetName = "List")]
[OutputType(typeof(JameyBackup))]
[OutputType(typeof(JameyBackupRepositorySummary))]
[OutputType(typeof(JameyRollback), ParameterSetName = ["Rollback"])]
public sealed class GetJameyBackupCommand : RemoteRepositoryCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BackupIdCompleter))]
    public string[]? BackupId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("RepositoryPath")]
    [ValidateNotNullOrEmpty]
    public string? BackupPath { get; set; }

    /// <summary>
    /// The newest N usable backups: Complete ones not dated in the future. What "the newest backup" means to someone
    /// piping it to Restore- or Test-JameyBackup after a crash, when the newest folder is an Incomplete leftover or a
    /// Damaged backup. With -Status, the newest N of those statuses instead.
    /// </summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Newest { get; set; }

    [Parameter]
    public DateTime After { get; set; }

    [Parameter]
    public DateTime Before { get; set; }

    [Parameter]
    public BackupStatus[]? Status { get; set; }

    /// <summary>Instead of the backups, one summary of them: their sizes, the disk they really take and what sharing saves.</summary>
    [Parameter]
    public SwitchParameter Summary { get; set; }

    /// <summary>Instead of backups, the rollback folders committed restores left in the data directory (-DataPath).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Rollback")]
    public SwitchParameter Rollback { get; set; }

    /// <summary>With -Rollback: the data directory. Defaults to JAMEY_DATA_DIR, or "data" under the current location.</summary>
    [Parameter(ParameterSetName = "Rollback", ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? DataPath { get; set; }

    protected override void ProcessRecord()
    {
        if (Rollback)
        {
            var data = ResolveDataPath(DataPath);
            if (!Directory.Exists(data)) { WriteEngineError(new DataPathNotFoundException(data)); return; }
            foreach (var r in Jamey3.Engine.Retention.RollbackFolders.List(data, Stopping)) WriteObject(r);
            return;
        }
        if (RemoteSources.IsRemote(BackupPath))
        {
            ListRemote(BackupPath!);
            return;
        }
        var repository = new BackupRepository(ResolveBackupPath(BackupPath));
        // A path that does not exist is a typo or an unmounted volume, not an empty repository.
        if (!repository.Exists)
        {
            WriteEngineError(new RepositoryNotFoundException(repository.Root));
            return;
        }
        WriteVerbose($"Listing the backups in '{repository.Root}', newest first{DescribeFilters()}.");
        Filter(repository.List(DateTimeOffset.UtcNow, Stopping), repository.Root, repository);
    }

    /// <summary>A remote repository: its manifests, newest first, each read and validated as it is reached (a damaged one is listed Damaged).</summary>
    void ListRemote(string url)
    {
        if (Summary)
        {
            WriteEngineError(new JameyException(JameyErrors.RemoteNotSupported,
                $"-Summary measures the disk a local repository takes; '{StoreLocation.Redact(url)}' is a remote repository. List it without -Summary (its backups' StoredSize is what they take).", url));
            return;
        }
        RemoteBackupSource source;
        try { source = RemoteSources.Open(url, Credential, Stopping, EncryptionMaterial()); }
        catch (JameyException e) { WriteEngineError(e, url); return; }
        using (source)
        {
            WriteVerbose($"Listing the backups in '{source.Location}', newest first{DescribeFilters()}.");
            Filter(RemoteBackupSource.Blocking(source.ListNewestFirstAsync(Stopping), Stopping), source.Location.ToString(), null);
        }
    }

    void Filter(IEnumerable<JameyBackup> backups, string where, BackupRepository? repository)
    {
        var patterns = BackupId?.Select(p => WildcardPattern.Get(p, WildcardOptions.IgnoreCase)).ToList();
        var matchedPatterns = new HashSet<int>();
        int written = 0;
        var after = MyInvocation.BoundParameters.ContainsKey(nameof(After)) ? ToUtc(After) : (DateTimeOffset?)null;
        var before = MyInvocation.BoundParameters.ContainsKey(nameof(Before)) ? ToUtc(Before) : (DateTimeOffset?)null;

        bool statusGiven = Status is { Length: > 0 };
        var listed = new List<JameyBackup>();
        int seen = 0;
        foreach (var backup in backups)
        {
            seen++;
            if (patterns is not null)
            {
                bool hit = false;
                for (int i = 0; i < patterns.Count; i++)
                {
                    if (!patterns[i].IsMatch(backup.BackupId)) continue;
                    matchedPatterns.Add(i);
                    hit = true;
                }
                if (!hit) continue;
            }
            if (after is { } a && backup.Timestamp <= a) continue;
            if (before is { } b && backup.Timestamp >= b) continue;
            if (statusGiven && !Status!.Contains(backup.Status)) continue;
            if (backup.Warning is not null) WriteWarning($"Backup {backup.BackupId} is {backup.Warning}.");
            if (Newest > 0 && !statusGiven && !BackupRepository.IsCurrent(backup))
            {
                WriteVerbose($"-Newest skips backup {backup.BackupId}: {(backup.InFuture ? "dated in the future" : $"{backup.Status}, {backup.Problem}")}.");
                continue;
            }
            if (Summary) listed.Add(backup);
            else WriteObject(backup);
            written++;
            if (Newest > 0 && written >= Newest) break;
        }
        if (Summary && repository is not null) WriteObject(repository.Summarize(listed, Stopping));
        WriteVerbose(Newest > 0 && written >= Newest
            ? $"Wrote the newest {written} backup(s) that matched; read {seen}."
            : $"Read {seen} backup(s); {written} matched.");

        // A literal id that matched nothing is an error, as Get-Item does; a wildcard that matched nothing is not.
        if (patterns is null || (Newest > 0 && written >= Newest)) return;
        for (int i = 0; i < patterns.Count; i++)
        {
            if (!matchedPatterns.Contains(i) && !WildcardPattern.ContainsWildcardCharacters(BackupId![i]))
                WriteEngineError(new BackupNotFoundException(BackupId[i], where), BackupId[i]);
        }
    }

    string DescribeFilters()
    {
        var parts = new List<string>();
        if (BackupId is { Length: > 0 }) parts.Add($"ids {string.Join(", ", BackupId)}");
        if (MyInvocation.BoundParameters.ContainsKey(nameof(After))) parts.Add($"after {After:yyyy-MM-dd HH:mm:ss}");
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Before))) parts.Add($"before {Before:yyyy-MM-dd HH:mm:ss}");
        if (Status is { Length: > 0 }) parts.Add($"status {string.Join(" or ", Status)}");
        if (Newest > 0) parts.Add($"the newest {Newest}");
        return parts.Count == 0 ? "" : $" ({string.Join("; ", parts)})";
    }

    static DateTimeOffset ToUtc(DateTime t) =>
        t.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(t.ToUniversalTime()) : new DateTimeOffset(t).ToUniversalTime();
}
