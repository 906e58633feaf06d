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

    public override string ToString() => $"{BackupId} -> {Destination}";
}
