namespace Jamey3;

/// <summary>A backup in a repository, as New-JameyBackup and Get-JameyBackup emit it.</summary>
public sealed class JameyBackup
{
    public string BackupId { get; set; } = "";
    /// <summary>When the snapshot was taken (UTC).</summary>
    public DateTimeOffset Timestamp { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    /// <summary>The backup's folder.</summary>
    public string Path { get; set; } = "";
    /// <summary>The repository that holds it.</summary>
    public string RepositoryPath { get; set; } = "";
    public BackupStatus Status { get; set; }
    public JameyBackupComponent[] Components { get; set; } = [];
    /// <summary>Bytes of data backed up (before compression).</summary>
    public long TotalSize { get; set; }
    /// <summary>Bytes the backup's files take in the repository, files shared with other backups by hard link included.</summary>
    public long StoredSize { get; set; }
    /// <summary>
    /// Bytes this backup alone holds: its stored files that no other backup shares by hard link (link count 1). What
    /// it really adds to the repository, and what removing it frees. Null when unknown (a platform without link
    /// counts, or a backup that is not Complete).
    /// </summary>
    public long? UniqueSize { get; set; }
    public int FileCount { get; set; }
    public CompressionAlgorithm Compression { get; set; }
    public string? SourcePath { get; set; }
    public string? HostName { get; set; }
    public string? ToolVersion { get; set; }
    public int FormatVersion { get; set; }
    public TimeSpan? Duration { get; set; }
    /// <summary>Set when New-JameyBackup -Verify ran: whether the fresh backup passed full verification.</summary>
    public bool? Verified { get; set; }
    /// <summary>Why the backup is Damaged or Incomplete; null when Complete.</summary>
    public string? Problem { get; set; }
    /// <summary>
    /// True when the backup's time lies in the future of the machine that listed it (a clock that was wrong when it
    /// was taken): it is still Complete, but never counted as the newest backup, and retention keeps it uncounted.
    /// </summary>
    public bool InFuture { get; set; }
    /// <summary>What needs attention about a backup that is otherwise usable (for example <see cref="InFuture"/>); null when nothing.</summary>
    public string? Warning { get; set; }

    public override string ToString() => BackupId;
}

/// <summary>A component's summary inside a backup's manifest.</summary>
public sealed class JameyBackupComponent
{
    public JameyComponent Component { get; set; }
    /// <summary>Path relative to the data directory (jamey.db, memory/short_term).</summary>
    public string RelativePath { get; set; } = "";
    public int FileCount { get; set; }
    public long Size { get; set; }
    public long StoredSize { get; set; }
    /// <summary>Index: documents in the commit point. Database: null.</summary>
    public long? DocumentCount { get; set; }
    /// <summary>Index: the generation of the segments_N file backed up.</summary>
    public long? SegmentsGeneration { get; set; }
    /// <summary>Database: pages in the snapshot.</summary>
    public long? PageCount { get; set; }
    /// <summary>Database: PRAGMA user_version of the snapshot.</summary>
    public long? SchemaVersion { get; set; }
    /// <summary>Database: rows per table.</summary>
    public Dictionary<string, long>? RowCounts { get; set; }

    public override string ToString() => Component.ToString();
}

/// <summary>What a repository's backups take and what sharing unchanged files saves (Get-JameyBackup -Summary).</summary>
public sealed class JameyBackupRepositorySummary
{
    public string RepositoryPath { get; set; } = "";
    /// <summary>Backups listed (after the filters), every status.</summary>
    public int Backups { get; set; }
    public int Complete { get; set; }
    /// <summary>Bytes of Jamey data the Complete backups hold (before compression).</summary>
    public long TotalSize { get; set; }
    /// <summary>Bytes the Complete backups would take if each were stored on its own (the sum of their StoredSize).</summary>
    public long StoredSize { get; set; }
    /// <summary>Bytes the Complete backups really take on disk, each hard-linked file counted once.</summary>
    public long DiskSize { get; set; }
    /// <summary>What sharing unchanged files by hard links saves: StoredSize of the Complete backups minus the disk they take.</summary>
    public long SharingSaves { get; set; }
    /// <summary>Bytes under staging/: a backup being written, or leftovers of runs that died.</summary>
    public long StagingSize { get; set; }

    public override string ToString() => RepositoryPath;
}
