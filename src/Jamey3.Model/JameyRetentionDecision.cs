namespace Jamey3;

public enum RetentionAction
{
    Keep,
    Remove,
}

/// <summary>Why retention keeps or removes a backup. Stable names: scripts may match on them.</summary>
public enum RetentionRule
{
    /// <summary>Within the count and age limits of the policy.</summary>
    WithinPolicy,
    /// <summary>The newest backup whose latest verification passed: never removed by the policy.</summary>
    NewestVerified,
    /// <summary>The newest full backup (every component): the policy never leaves the repository without it.</summary>
    NewestComplete,
    /// <summary>Beyond the newest MaxBackups complete backups.</summary>
    ExceedsMaxBackups,
    /// <summary>Older than RetentionDays.</summary>
    ExceedsMaxAge,
    /// <summary>Named explicitly for removal.</summary>
    Requested,
    /// <summary>Not named in an explicit removal.</summary>
    NotRequested,
    /// <summary>Named explicitly, but protected (newest verified); removal needs Force.</summary>
    Protected,
    /// <summary>Being written by a live backup run.</summary>
    InProgress,
    /// <summary>Left in staging by a run that did not finish.</summary>
    Incomplete,
    /// <summary>Published but damaged; kept for salvage until it is older than RetentionDays.</summary>
    Damaged,
    /// <summary>The newest backup holding some component (a partial backup newer than every full one): always kept.</summary>
    NewestOfComponent,
    /// <summary>Dated in the future of this machine's clock: kept, warned about, and counted towards nothing.</summary>
    InFuture,
    /// <summary>A rollback folder a committed restore left in the data directory (its Path); BackupId is the backup that restore put in place.</summary>
    Rollback,
}

/// <summary>What retention (Remove-JameyBackup) decided for one backup, and whether it was done.</summary>
public sealed class JameyRetentionDecision
{
    public string BackupId { get; set; } = "";
    public DateTimeOffset Timestamp { get; set; }
    public BackupStatus Status { get; set; }
    public string Path { get; set; } = "";
    /// <summary>Bytes the backup's files take in the repository (shared hard-linked files counted in full).</summary>
    public long StoredSize { get; set; }
    public RetentionAction Action { get; set; }
    public RetentionRule Rule { get; set; }
    /// <summary>A sentence a human understands.</summary>
    public string Reason { get; set; } = "";
    /// <summary>True once the backup is gone (set by a real run, never by a plan).</summary>
    public bool Removed { get; set; }
    /// <summary>Why a planned removal failed, if it did.</summary>
    public string? Error { get; set; }

    public override string ToString() => $"{BackupId}: {Action} ({Rule})";
}

/// <summary>
/// A rollback folder a committed restore left in the data directory (&lt;data&gt;/.jamey3-restore/&lt;operation&gt;/rollback):
/// a full copy of the data that restore replaced. Get-JameyBackup -Rollback lists them; Remove-JameyBackup removes them.
/// </summary>
public sealed class JameyRollback
{
    public string OperationId { get; set; } = "";
    /// <summary>
    /// The backup that restore put in place. Not named BackupId on purpose: a piped rollback must never bind to
    /// Remove-JameyBackup -BackupId and remove that backup.
    /// </summary>
    public string RestoredBackupId { get; set; } = "";
    /// <summary>When the restore committed.</summary>
    public DateTimeOffset RestoredAt { get; set; }
    /// <summary>The data directory restored into.</summary>
    public string DataPath { get; set; } = "";
    /// <summary>The rollback folder itself.</summary>
    public string Path { get; set; } = "";
    /// <summary>The components whose replaced data it holds.</summary>
    public JameyComponent[] Components { get; set; } = [];
    /// <summary>Bytes of the replaced data it holds.</summary>
    public long Size { get; set; }

    public override string ToString() => OperationId;
}
