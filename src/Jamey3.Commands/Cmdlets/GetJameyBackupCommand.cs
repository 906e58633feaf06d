using System.Management.Automation;
using Jamey3.Commands.Infrastructure;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Repository;

namespace Jamey3.Commands.Cmdlets;

[Cmdlet(VerbsCommon.Get, "JameyBackup", DefaultParameterSetName = "List")]
[OutputType(typeof(JameyBackup))]
public sealed class GetJameyBackupCommand : JameyCmdlet
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

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Newest { get; set; }

    [Parameter]
    public DateTime After { get; set; }

    [Parameter]
    public DateTime Before { get; set; }

    [Parameter]
    public BackupStatus[]? Status { get; set; }

    protected override void ProcessRecord()
    {
        var repository = new BackupRepository(ResolveBackupPath(BackupPath));
        var patterns = BackupId?.Select(p => WildcardPattern.Get(p, WildcardOptions.IgnoreCase)).ToList();
        var matchedPatterns = new HashSet<int>();
        int written = 0;
        var after = MyInvocation.BoundParameters.ContainsKey(nameof(After)) ? ToUtc(After) : (DateTimeOffset?)null;
        var before = MyInvocation.BoundParameters.ContainsKey(nameof(Before)) ? ToUtc(Before) : (DateTimeOffset?)null;

        WriteVerbose($"Listing the backups in '{repository.Root}', newest first{DescribeFilters()}.");
        int seen = 0;
        foreach (var backup in repository.List(Stopping))
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
            if (Status is { Length: > 0 } && !Status.Contains(backup.Status)) continue;
            WriteObject(backup);
            if (++written >= Newest && Newest > 0) break;
        }
        WriteVerbose(Newest > 0 && written >= Newest
            ? $"Wrote the newest {written} backup(s) that matched; read {seen}."
            : $"Read {seen} backup(s); {written} matched.");

        // A literal id that matched nothing is an error, as Get-Item does; a wildcard that matched nothing is not.
        if (patterns is null || (Newest > 0 && written >= Newest)) return;
        for (int i = 0; i < patterns.Count; i++)
        {
            if (!matchedPatterns.Contains(i) && !WildcardPattern.ContainsWildcardCharacters(BackupId![i]))
                WriteEngineError(new BackupNotFoundException(BackupId[i], repository.Root), BackupId[i]);
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
