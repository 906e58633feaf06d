namespace Jamey3;

/// <summary>The outcome of Test-JameyBackup for one backup.</summary>
public sealed class JameyBackupTestResult
{
    public string BackupId { get; set; } = "";
    public string Path { get; set; } = "";
    public DateTimeOffset BackupTimestamp { get; set; }
    public bool Passed { get; set; }
    public VerificationMode Mode { get; set; }
    public DateTimeOffset TestedAt { get; set; }
    public TimeSpan Duration { get; set; }
    public int FilesChecked { get; set; }
    public long BytesChecked { get; set; }
    public JameyComponentTestResult[] Components { get; set; } = [];
    /// <summary>Every problem found, each naming a component and, where one is to blame, a file.</summary>
    public JameyBackupProblem[] Problems { get; set; } = [];

    public override string ToString() => $"{BackupId}: {(Passed ? "Passed" : "Failed")}";
}

public sealed class JameyComponentTestResult
{
    public JameyComponent Component { get; set; }
    public bool Passed { get; set; }
    /// <summary>Index: documents CheckIndex counted. Database: rows in memory_records.</summary>
    public long? CountedItems { get; set; }
    public string[] Problems { get; set; } = [];

    public override string ToString() => $"{Component}: {(Passed ? "Passed" : "Failed")}";
}

public sealed class JameyBackupProblem
{
    /// <summary>Null when the problem is with the backup as a whole (its manifest).</summary>
    public JameyComponent? Component { get; set; }
    /// <summary>The file to blame, relative to the backup folder, when there is one.</summary>
    public string? File { get; set; }
    public string Message { get; set; } = "";

    public override string ToString() => File is null ? Message : $"{File}: {Message}";
}
