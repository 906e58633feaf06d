namespace Jamey3;

/// <summary>The outcome of Restore-JameyBackup.</summary>
public sealed class JameyRestoreResult
{
    public string BackupId { get; set; } = "";
    public DateTimeOffset BackupTimestamp { get; set; }
    public JameyComponent[] Components { get; set; } = [];
    /// <summary>The data directory written to.</summary>
    public string Destination { get; set; } = "";
    /// <summary>Where the replaced data was kept; null when nothing was replaced.</summary>
    public string? RollbackPath { get; set; }
    public bool Verified { get; set; }
    public TimeSpan Duration { get; set; }
    /// <summary>The restore operation's id: the name of its folder under &lt;destination&gt;/.jamey3-restore.</summary>
    public string OperationId { get; set; } = "";
    /// <summary>Full paths that were replaced or created in the destination.</summary>
    public string[] ReplacedPaths { get; set; } = [];
    /// <summary>Bytes of content written.</summary>
    public long BytesRestored { get; set; }
    /// <summary>What verification found wrong; empty unless the restore was forced with AllowDamaged.</summary>
    public JameyBackupProblem[] Problems { get; set; } = [];

    public override string ToString() => $"{BackupId} -> {Destination}";
}

/// <summary>What a restore would do, without doing it (Restore-JameyBackup -WhatIf).</summary>
public sealed class JameyRestorePlan
{
    public string BackupId { get; set; } = "";
    public DateTimeOffset BackupTimestamp { get; set; }
    public BackupStatus BackupStatus { get; set; }
    /// <summary>The data directory that would be written to.</summary>
    public string Destination { get; set; } = "";
    public JameyRestorePlanItem[] Items { get; set; } = [];

    public override string ToString() => $"{BackupId} -> {Destination}: {string.Join(", ", Items.Select(i => i.Component))}";
}

/// <summary>One component a restore would write.</summary>
public sealed class JameyRestorePlanItem
{
    public JameyComponent Component { get; set; }
    /// <summary>The file or folder in the destination that would be replaced (or created).</summary>
    public string TargetPath { get; set; } = "";
    /// <summary>True when something is there now and would be replaced (and kept as a rollback copy).</summary>
    public bool ReplacesExisting { get; set; }
    public int FileCount { get; set; }
    /// <summary>Bytes of content the backup holds for the component.</summary>
    public long Size { get; set; }
    /// <summary>Index: documents in the backed-up commit.</summary>
    public long? DocumentCount { get; set; }
    /// <summary>Database: rows per table in the backup.</summary>
    public Dictionary<string, long>? RowCounts { get; set; }

    public override string ToString() => $"{Component}: {TargetPath}{(ReplacesExisting ? " (replace)" : " (create)")}";
}

/// <summary>What Restore-JameyBackup -Recover did with one interrupted restore.</summary>
public sealed class JameyRestoreRecovery
{
    public string OperationId { get; set; } = "";
    public string? BackupId { get; set; }
    /// <summary>RolledForward, RolledBack, CleanedUp or NeedsAttention.</summary>
    public string Action { get; set; } = "";
    public JameyComponent[] Components { get; set; } = [];
    public string Destination { get; set; } = "";
    public string? RollbackPath { get; set; }
    public string Message { get; set; } = "";

    public override string ToString() => Message;
}
