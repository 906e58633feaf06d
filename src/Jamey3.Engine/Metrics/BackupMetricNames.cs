namespace Jamey3.Engine.Metrics;

/// <summary>
/// The names and help texts of every metric Jamey3 exports: one contract for the HTTP exporter,
/// the textfile writer and the alert rules (rules/backup.yml). All are gauges in base units; points
/// in time are Unix timestamps in seconds (never ages), and 0 means "never". One exporter watches
/// one repository, so Prometheus's own job and instance labels tell repositories apart and the
/// alert rules can match series one to one. <see cref="All"/> have no labels; <see cref="Copy"/>
/// (off-site copies) have one, <c>destination</c>, the credential-free location of each copy
/// destination, and exist only for destinations a copy was recorded for.
/// </summary>
public static class BackupMetricNames
{
    public const string Prefix = "jamey_backup_";

    public const string Up = "jamey_backup_up";
    public const string ScheduleIntervalSeconds = "jamey_backup_schedule_interval_seconds";
    public const string LastSuccessTimestampSeconds = "jamey_backup_last_success_timestamp_seconds";
    public const string LastAttemptTimestampSeconds = "jamey_backup_last_attempt_timestamp_seconds";
    public const string LastRunSuccess = "jamey_backup_last_run_success";
    public const string LastDurationSeconds = "jamey_backup_last_duration_seconds";
    public const string LastSizeBytes = "jamey_backup_last_size_bytes";
    public const string LastVerifyTimestampSeconds = "jamey_backup_last_verify_timestamp_seconds";
    public const string LastVerifySuccess = "jamey_backup_last_verify_success";
    public const string LastRestoreTimestampSeconds = "jamey_backup_last_restore_timestamp_seconds";
    public const string LastRestoreSuccess = "jamey_backup_last_restore_success";
    public const string LastRetentionTimestampSeconds = "jamey_backup_last_retention_timestamp_seconds";
    public const string LastRetentionSuccess = "jamey_backup_last_retention_success";
    public const string Retained = "jamey_backup_retained";
    public const string RepositorySizeBytes = "jamey_backup_repository_size_bytes";
    public const string StagingSizeBytes = "jamey_backup_staging_size_bytes";
    public const string RollbackSizeBytes = "jamey_backup_rollback_size_bytes";

    public const string DestinationLabel = "destination";
    public const string CopyLastSuccessTimestampSeconds = "jamey_backup_copy_last_success_timestamp_seconds";
    public const string CopyLastAttemptTimestampSeconds = "jamey_backup_copy_last_attempt_timestamp_seconds";
    public const string CopyLastRunSuccess = "jamey_backup_copy_last_run_success";
    public const string CopyBehindBackups = "jamey_backup_copy_behind_backups";
    public const string CopyBehindBytes = "jamey_backup_copy_behind_bytes";
    public const string CopyLastSentBytes = "jamey_backup_copy_last_sent_bytes";

    const string Stale =
        " While jamey_backup_up is 0 this keeps the value last read by this exporter, and is absent when the repository has not been read yet.";

    /// <summary>Every metric with its help text, in the order they are created.</summary>
    public static readonly IReadOnlyList<(string Name, string Help)> All =
    [
        (Up,
            "1 when the backup repository could be read at this scrape (its run history, every backup's manifest and its size on disk), " +
            "0 when it could not: missing, unmounted, unreadable or with a damaged state/history.json. While 0, the other repository metrics " +
            "keep the values last read by this exporter (absent if it never read them)."),
        (ScheduleIntervalSeconds,
            "The configured interval between scheduled backups in seconds (BACKUP_INTERVAL_HOURS x 3600). " +
            "Alert rules compare the age of the last successful backup with it."),
        (LastSuccessTimestampSeconds,
            "When the last successful backup completed, as a Unix timestamp in seconds (the CompletedAt of its manifest, recorded in " +
            "state/history.json; if a Complete backup in the repository is newer than the history's last success, its CompletedAt). " +
            "0 when no backup has ever succeeded." + Stale),
        (LastAttemptTimestampSeconds,
            "When the last backup attempt, successful or not, finished, as a Unix timestamp in seconds. 0 when no backup was ever attempted. " +
            "A backup still running is not an attempt until it ends." + Stale),
        (LastRunSuccess,
            "1 when the last backup attempt succeeded, 0 when it failed or none was ever attempted " +
            "(then jamey_backup_last_attempt_timestamp_seconds is 0)." + Stale),
        (LastDurationSeconds,
            "How long the last successful backup took, in seconds, from its start to its CompletedAt. " +
            "Failed attempts are not counted here. 0 when no backup has ever succeeded." + Stale),
        (LastSizeBytes,
            "Bytes of Jamey data (database and memory indices, before compression) in the last successful backup. " +
            "0 when no backup has ever succeeded." + Stale),
        (LastVerifyTimestampSeconds,
            "When the last verification of a backup (Test-JameyBackup) finished, as a Unix timestamp in seconds. " +
            "0 when no backup was ever verified." + Stale),
        (LastVerifySuccess,
            "1 when the last verification found the backup sound, 0 when it found a problem or none was ever run " +
            "(then jamey_backup_last_verify_timestamp_seconds is 0)." + Stale),
        (LastRestoreTimestampSeconds,
            "When the last restore from this repository finished, as a Unix timestamp in seconds. 0 when none was ever run." + Stale),
        (LastRestoreSuccess,
            "1 when the last restore succeeded, 0 when it failed or none was ever run " +
            "(then jamey_backup_last_restore_timestamp_seconds is 0)." + Stale),
        (LastRetentionTimestampSeconds,
            "When the last retention run (removal of old backups) finished, as a Unix timestamp in seconds. 0 when none was ever run." + Stale),
        (LastRetentionSuccess,
            "1 when the last retention run succeeded, 0 when it failed or none was ever run " +
            "(then jamey_backup_last_retention_timestamp_seconds is 0)." + Stale),
        (Retained,
            "Number of Complete backups in the repository: published, with a valid manifest and every stored file present at its " +
            "recorded size. Damaged backups and unfinished ones in staging are not counted." + Stale),
        (RepositorySizeBytes,
            "Bytes the repository's files take: the sum of the sizes of all regular files under the repository folder (backups, " +
            "staging, trash, state), each file counted once however many hard links share it (unchanged index files are " +
            "hard-linked between backups). Symbolic links are not followed. Apparent sizes, not allocated blocks." + Stale),
        (StagingSizeBytes,
            "Bytes under the repository's staging/ folder (included in jamey_backup_repository_size_bytes): the backup being written, " +
            "or what backup runs that died left there, often an uncompressed database snapshot. The next backup and retention remove " +
            "the leftovers; a value that stays high while no backup runs means they could not." + Stale),
        (RollbackSizeBytes,
            "Bytes in the rollback folders that committed restores left in the data directory the backups were taken from " +
            "(<data>/.jamey3-restore/<operation>/rollback, each a full copy of the data a restore replaced). Retention keeps only " +
            "the latest restore's, within the age limit; Get-JameyBackup -Rollback lists them and Remove-JameyBackup removes them." + Stale),
    ];

    const string CopySource =
        " Read from state/copies/ (written by Copy-JameyBackup after each copy run to that destination), not from the destination itself.";

    /// <summary>The per-destination metrics of off-site copies (label <see cref="DestinationLabel"/>), in the order they are created.</summary>
    public static readonly IReadOnlyList<(string Name, string Help)> Copy =
    [
        (CopyLastSuccessTimestampSeconds,
            "When the last successful copy run to this destination (Copy-JameyBackup) ended, as a Unix timestamp in seconds. " +
            "0 when no copy to it has ever succeeded." + CopySource),
        (CopyLastAttemptTimestampSeconds,
            "When the last copy run to this destination ended, successful or not, as a Unix timestamp in seconds." + CopySource),
        (CopyLastRunSuccess,
            "1 when the last copy run to this destination succeeded, 0 when it did not (failed, refused or cancelled)." + CopySource),
        (CopyBehindBackups,
            "Complete backups in this repository that the destination did not hold after the last successful copy, counting only " +
            "those newer than the oldest backup it holds (older ones were removed there by its retention). All of them when no copy " +
            "ever succeeded." + CopySource),
        (CopyBehindBytes,
            "Stored bytes of the backups counted by jamey_backup_copy_behind_backups: an upper bound of what the next copy sends, " +
            "since objects the destination already holds are not sent again." + CopySource),
        (CopyLastSentBytes,
            "Bytes the last copy run to this destination sent (a failed run included: what it cost)." + CopySource),
    ];
}
