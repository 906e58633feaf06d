using System.Text.Json;
using System.Text.Json.Serialization;
using Jamey3.Engine.IO;

namespace Jamey3.Engine.History;

public enum RunOperation { Backup, Verify, Restore, Retention, Copy }

/// <summary>
/// How a run ended. Only <see cref="Succeeded"/> and <see cref="Failed"/> are attempts: runs that set
/// out to do their work and did or did not. The others are operator matters (a mistyped path, an
/// unknown backup id, Ctrl+C, a refusal that protects data) and never count as a failed run.
/// </summary>
public enum RunOutcome
{
    Succeeded,
    /// <summary>The run tried and failed (damaged data, a full disk, a failed write).</summary>
    Failed,
    /// <summary>Refused on purpose, to protect data or because another run holds what it needs.</summary>
    Refused,
    /// <summary>Stopped by the operator (Ctrl+C, a cancelled token).</summary>
    Cancelled,
    /// <summary>The request itself was wrong: a path that does not exist, an unknown backup id, a bad argument.</summary>
    InvalidRequest,
}

/// <summary>One run's outcome, as recorded in the repository.</summary>
public sealed record RunRecord
{
    readonly RunOutcome? _outcome;

    public RunOperation Operation { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset FinishedAt { get; init; }
    /// <summary>True only for <see cref="RunOutcome.Succeeded"/>; kept for readers of older histories.</summary>
    public bool Success { get; init; }
    /// <summary>Histories written before outcomes existed hold only Success: those runs were Succeeded or Failed.</summary>
    public RunOutcome Outcome
    {
        get => _outcome ?? (Success ? RunOutcome.Succeeded : RunOutcome.Failed);
        init => _outcome = value;
    }
    /// <summary>Whether the run was an attempt (succeeded or failed), as opposed to an operator matter.</summary>
    [JsonIgnore] public bool IsAttempt => Outcome is RunOutcome.Succeeded or RunOutcome.Failed;
    public string? BackupId { get; init; }
    /// <summary>Backup: bytes of data backed up. Others: bytes read or written.</summary>
    public long? SizeBytes { get; init; }
    public string? Error { get; init; }
    public string Host { get; init; } = Environment.MachineName;
    public int ProcessId { get; init; } = Environment.ProcessId;
    [JsonIgnore] public double DurationSeconds => (FinishedAt - StartedAt).TotalSeconds;
}

/// <summary>The latest run, attempt and success of one operation; kept however long the history grows.</summary>
public sealed record OperationStatus
{
    /// <summary>The latest run that tried (succeeded or failed); what the metrics and alerts read.</summary>
    public RunRecord? LastAttempt { get; init; }
    public RunRecord? LastSuccess { get; init; }
    /// <summary>The latest run of any outcome, operator matters included.</summary>
    public RunRecord? LastRun { get; init; }
}

public sealed class RunHistoryDocument
{
    public int Format { get; set; } = 1;
    public Dictionary<RunOperation, OperationStatus> Latest { get; set; } = [];
    /// <summary>Newest last, at most <see cref="RunHistory.MaxRuns"/>.</summary>
    public List<RunRecord> Runs { get; set; } = [];
}

/// <summary>
/// state/history.json: the outcome of every backup, verification, restore and retention run,
/// written atomically under a small lock of its own, bounded in size. Exporters read it at
/// scrape time, so runs of other processes (scheduled tasks) show up at once.
/// </summary>
public sealed class RunHistory(string stateDirectory)
{
    public const int MaxRuns = 200;
    public string FilePath => Path.Combine(stateDirectory, "history.json");

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Reads the history; an absent file is an empty history, an unreadable one throws.</summary>
    public RunHistoryDocument Read()
    {
        if (!File.Exists(FilePath)) return new RunHistoryDocument();
        return JsonSerializer.Deserialize<RunHistoryDocument>(File.ReadAllBytes(FilePath), Json) ?? new RunHistoryDocument();
    }

    public void Record(RunRecord run)
    {
        Durability.CreatePrivateDirectory(stateDirectory);
        using var guard = AcquireStateLock();
        RunHistoryDocument doc;
        try { doc = Read(); }
        catch (JsonException) { doc = new RunHistoryDocument(); } // a damaged history is replaced, not allowed to block backups
        doc.Runs.Add(run);
        if (doc.Runs.Count > MaxRuns) doc.Runs.RemoveRange(0, doc.Runs.Count - MaxRuns);
        doc.Latest.TryGetValue(run.Operation, out var status);
        status ??= new OperationStatus();
        doc.Latest[run.Operation] = status with
        {
            // A typo, Ctrl+C or a protective refusal is not a failed attempt: it must not flip the last run to failed.
            LastAttempt = run.IsAttempt ? run : status.LastAttempt,
            LastSuccess = run.Outcome == RunOutcome.Succeeded ? run : status.LastSuccess,
            LastRun = run,
        };
        Durability.WritePrivateFileAtomically(FilePath, JsonSerializer.SerializeToUtf8Bytes(doc, Json));
    }

    /// <summary>
    /// Records successful backups that are published but missing (a run killed between its publishing rename and
    /// its history record): each one newer than the recorded last success and not yet listed. Returns how many.
    /// </summary>
    public int Reconcile(IEnumerable<RunRecord> published)
    {
        Durability.CreatePrivateDirectory(stateDirectory);
        using var guard = AcquireStateLock();
        RunHistoryDocument doc;
        try { doc = Read(); }
        catch (JsonException) { doc = new RunHistoryDocument(); }
        doc.Latest.TryGetValue(RunOperation.Backup, out var status);
        status ??= new OperationStatus();
        var known = doc.Runs.Where(r => r.Operation == RunOperation.Backup && r.Success).Select(r => r.BackupId).ToHashSet();
        int added = 0;
        foreach (var run in published.Where(r => r.Success && r.BackupId is not null).OrderBy(r => r.FinishedAt))
        {
            if (known.Contains(run.BackupId) || run.FinishedAt <= status.LastSuccess?.FinishedAt) continue;
            int at = doc.Runs.FindLastIndex(r => r.FinishedAt <= run.FinishedAt) + 1;
            doc.Runs.Insert(at, run);
            status = status with
            {
                LastSuccess = run,
                LastAttempt = status.LastAttempt is { } a && a.FinishedAt > run.FinishedAt ? a : run,
                LastRun = status.LastRun is { } l && l.FinishedAt > run.FinishedAt ? l : run,
            };
            added++;
        }
        if (added == 0) return 0;
        if (doc.Runs.Count > MaxRuns) doc.Runs.RemoveRange(0, doc.Runs.Count - MaxRuns);
        doc.Latest[RunOperation.Backup] = status;
        Durability.WritePrivateFileAtomically(FilePath, JsonSerializer.SerializeToUtf8Bytes(doc, Json));
        return added;
    }

    /// <summary>How long the last <see cref="Record"/> waited for another process's lock on the history.</summary>
    public TimeSpan LastLockWait { get; private set; }

    FileStream AcquireStateLock()
    {
        var path = Path.Combine(stateDirectory, "history.lock");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (true)
            {
                // Only another holder is worth waiting for; a read-only or full file system fails at once.
                try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
                catch (IOException e) when (Errors.JameyFailures.IsSharingViolation(e) && watch.Elapsed < LockTimeout) { Thread.Sleep(20); }
            }
        }
        finally { LastLockWait = watch.Elapsed; }
    }

    /// <summary>Another process records only for milliseconds; this bounds the wait behind a hung one.</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);
}
