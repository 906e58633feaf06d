namespace Jamey3;

/// <summary>What Copy-JameyBackup did for one backup: what it sent, what the destination already held, how long it took.</summary>
public sealed class JameyCopyResult
{
    public string BackupId { get; set; } = "";
    /// <summary>When the backup was taken (UTC).</summary>
    public DateTimeOffset Timestamp { get; set; }
    /// <summary>The local repository copied from.</summary>
    public string Source { get; set; } = "";
    /// <summary>The destination as a location (a path or URL), never with a credential.</summary>
    public string Destination { get; set; } = "";
    /// <summary>True when this run published the backup; false when the destination already listed it (objects may still have been repaired).</summary>
    public bool Published { get; set; }
    /// <summary>Objects the backup needs at the destination (each distinct content once).</summary>
    public int ObjectCount { get; set; }
    /// <summary>Objects uploaded by this run.</summary>
    public int ObjectsSent { get; set; }
    /// <summary>Bytes uploaded by this run (objects only; the small index and manifest are in <see cref="MetadataBytesSent"/>).</summary>
    public long BytesSent { get; set; }
    /// <summary>Objects the destination already held, reused without sending them again.</summary>
    public int ObjectsPresent { get; set; }
    /// <summary>Stored bytes of the reused objects: what content addressing saved.</summary>
    public long BytesPresent { get; set; }
    /// <summary>Objects found damaged or the wrong size at the destination and replaced.</summary>
    public int ObjectsRepaired { get; set; }
    /// <summary>Bytes of the index and manifest written.</summary>
    public long MetadataBytesSent { get; set; }
    public TimeSpan Duration { get; set; }
    /// <summary>Bytes sent per second of <see cref="Duration"/>.</summary>
    public double BytesPerSecond => Duration.TotalSeconds > 0 ? BytesSent / Duration.TotalSeconds : 0;

    public override string ToString() => BackupId;
}
