using Jamey3.Engine.History;
using Jamey3.Engine.Repository;

namespace Jamey3.Engine.Metrics;

/// <summary>
/// How current one off-site destination is, from the source repository's files alone: its
/// <see cref="CopyStatus"/> (written by Copy-JameyBackup after every copy run) against the Complete
/// backups the repository holds now. No network call: a scrape must stay fast and must not need
/// the destination's credentials.
/// </summary>
public sealed record CopyHealth
{
    /// <summary>The destination as the copy recorded it (credential-free location string): the metrics' label.</summary>
    public required string Destination { get; init; }
    public DateTimeOffset LastAttemptAt { get; init; }
    public RunOutcome LastOutcome { get; init; }
    public DateTimeOffset? LastSuccessAt { get; init; }
    public long BytesSentLastRun { get; init; }
    /// <summary>Current Complete local backups the destination lacks (see <see cref="Behind"/>).</summary>
    public int BehindBackups { get; init; }
    /// <summary>Their stored bytes: an upper bound of what a copy sends (objects the destination holds are not sent).</summary>
    public long BehindBytes { get; init; }

    /// <summary>
    /// The current Complete local backups that are not at the destination and are newer than the oldest backup it
    /// holds (all of them when it holds none). Older ones were removed there by its own retention, deliberately:
    /// counting them would keep a destination "behind" forever.
    /// </summary>
    public static IReadOnlyList<JameyBackup> Behind(CopyStatus status, IEnumerable<JameyBackup> localBackups)
    {
        var present = new HashSet<string>(status.BackupIdsAtDestination, StringComparer.Ordinal);
        var current = localBackups.Where(BackupRepository.IsCurrent).ToList();
        // Ids are yyyyMMdd-HHmmss-fff (UTC), so the oldest id at the destination is the smallest string; it may be a
        // backup this repository no longer has, so compare ids rather than look it up locally.
        string? oldestThere = status.BackupIdsAtDestination.Count == 0 ? null
            : status.BackupIdsAtDestination.Min(StringComparer.Ordinal);
        return current
            .Where(b => !present.Contains(b.BackupId))
            .Where(b => oldestThere is null || string.CompareOrdinal(b.BackupId, oldestThere) > 0)
            .ToList();
    }

    public static CopyHealth From(CopyStatus status, IEnumerable<JameyBackup> localBackups)
    {
        var behind = Behind(status, localBackups);
        return new CopyHealth
        {
            Destination = status.Destination,
            LastAttemptAt = status.LastAttemptAt,
            LastOutcome = status.LastOutcome,
            LastSuccessAt = status.LastSuccessAt,
            BytesSentLastRun = status.BytesSentLastRun,
            BehindBackups = behind.Count,
            BehindBytes = behind.Sum(b => b.StoredSize),
        };
    }
}
