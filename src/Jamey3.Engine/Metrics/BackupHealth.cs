using Jamey3.Engine.History;
using Jamey3.Engine.Repository;

namespace Jamey3.Engine.Metrics;

/// <summary>
/// A repository's backup health at one moment, read from its files alone (state/history.json,
/// every backup's manifest, the files on disk), so it is the same whichever process reads it and
/// whenever: runs of other processes count at once, and nothing is lost when an exporter restarts.
/// </summary>
public sealed record BackupHealth
{
    public required string RepositoryPath { get; init; }
    public DateTimeOffset ReadAt { get; init; }
    /// <summary>The last backup run that ended, successful or not; null when none ever did.</summary>
    public RunRecord? LastBackupAttempt { get; init; }
    /// <summary>
    /// The last successful backup: the history's, or, when a Complete backup in the repository is
    /// newer (the history was lost or replaced), one made from that backup's manifest.
    /// </summary>
    public RunRecord? LastBackupSuccess { get; init; }
    public RunRecord? LastVerify { get; init; }
    public RunRecord? LastRestore { get; init; }
    public RunRecord? LastRetention { get; init; }
    /// <summary>Complete backups in the repository.</summary>
    public int Retained { get; init; }
    /// <summary>Bytes of the repository's files, hard links counted once (<see cref="DiskUsage"/>).</summary>
    public long RepositorySizeBytes { get; init; }
    /// <summary>Bytes under staging/: a backup being written, or leftovers of runs that died (the next backup or retention removes them).</summary>
    public long StagingSizeBytes { get; init; }
    /// <summary>
    /// Bytes in the rollback folders committed restores left in the data directories these backups were taken from
    /// (each a full copy of the data a restore replaced; see Retention.RollbackFolders). 0 when there are none.
    /// </summary>
    public long RollbackSizeBytes { get; init; }
    /// <summary>Every off-site destination a copy was ever recorded for (state/copies/), by destination.</summary>
    public IReadOnlyList<CopyHealth> Copies { get; init; } = [];

    /// <summary>Reads the repository; throws when it is missing or cannot be read (a damaged history included).</summary>
    public static BackupHealth Read(string repositoryPath, CancellationToken ct = default)
    {
        var repo = new BackupRepository(repositoryPath);
        if (!Directory.Exists(repo.Root))
            throw new DirectoryNotFoundException(File.Exists(repo.Root)
                ? $"The backup repository '{repo.Root}' is a file, not a folder."
                : $"The backup repository '{repo.Root}' does not exist (not created yet, or its volume is not mounted).");
        var readAt = DateTimeOffset.UtcNow;

        var history = ReadHistory(repo);
        OperationStatus? Latest(RunOperation op) => history.Latest.TryGetValue(op, out var s) ? s : null;

        var backups = repo.List(ct).ToList();
        var complete = backups.Where(b => b.Status == BackupStatus.Complete).ToList();

        var success = Latest(RunOperation.Backup)?.LastSuccess;
        // A backup dated in the future (a wrong clock) would put the last success ahead of now and silence the stale alert.
        if (complete.FirstOrDefault(BackupRepository.IsCurrent) is { } newest)
        {
            var completedAt = newest.CompletedAt ?? newest.Timestamp + (newest.Duration ?? TimeSpan.Zero);
            if (success is null || completedAt > success.FinishedAt)
            {
                success = new RunRecord
                {
                    Operation = RunOperation.Backup, StartedAt = newest.Timestamp, FinishedAt = completedAt, Success = true,
                    BackupId = newest.BackupId, SizeBytes = newest.TotalSize, Host = newest.HostName ?? "", ProcessId = 0,
                };
            }
        }
        var attempt = Latest(RunOperation.Backup)?.LastAttempt;
        if (success is not null && (attempt is null || success.FinishedAt > attempt.FinishedAt)) attempt = success;

        return new BackupHealth
        {
            RepositoryPath = repo.Root,
            ReadAt = readAt,
            LastBackupAttempt = attempt,
            LastBackupSuccess = success,
            LastVerify = Latest(RunOperation.Verify)?.LastAttempt,
            LastRestore = Latest(RunOperation.Restore)?.LastAttempt,
            LastRetention = Latest(RunOperation.Retention)?.LastAttempt,
            Retained = complete.Count,
            RepositorySizeBytes = DiskUsage.Measure(repo.Root, ct),
            StagingSizeBytes = DiskUsage.Measure([repo.StagingDirectory], ct),
            RollbackSizeBytes = complete.Select(b => b.SourcePath).OfType<string>().Distinct(StringComparer.Ordinal)
                .Sum(source => Retention.RollbackFolders.Size(source, ct)),
            Copies = CopyStatusStore.LoadAll(repo.StateDirectory).Select(c => CopyHealth.From(c, complete)).ToList(),
        };
    }

    static RunHistoryDocument ReadHistory(BackupRepository repo)
    {
        // RunHistory treats an absent file as an empty history (a new repository). Something else in
        // its place is damage, not absence: say so rather than report "never".
        if (File.Exists(repo.StateDirectory))
            throw new IOException($"The repository's state folder '{repo.StateDirectory}' is a file.");
        var history = new RunHistory(repo.StateDirectory);
        if (Directory.Exists(history.FilePath))
            throw new IOException($"The run history '{history.FilePath}' is a folder, not a file.");
        try
        {
            return history.Read();
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"The run history '{history.FilePath}' is damaged: {e.Message}", e);
        }
    }
}
