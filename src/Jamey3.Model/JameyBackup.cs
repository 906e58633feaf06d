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
    /// <summary>Bytes the backup's files take in the repository.</summary>
    public long StoredSize { get; set; }
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
