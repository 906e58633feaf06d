namespace Jamey3.Engine.Restore;

/// <summary>What to restore, from where, to where.</summary>
/// <param name="RepositoryPath">The backup repository.</param>
/// <param name="BackupId">The backup to restore.</param>
/// <param name="DataPath">Jamey's live data directory; written to unless <see cref="Destination"/> is set.</param>
public sealed record RestoreRequest(string RepositoryPath, string BackupId, string DataPath)
{
    /// <summary>Components to restore (Memory = the five index layers); null or empty = every component in the backup.
    /// Components not named are left byte for byte as they are.</summary>
    public IReadOnlyList<JameyComponentSelector>? Components { get; init; }
    /// <summary>Restore into this folder instead of the live data directory, which is then not touched.</summary>
    public string? Destination { get; init; }
    /// <summary>Salvage: restore even when the backup fails verification (problems become warnings and are listed
    /// in the result, which says Verified = false). Links in a backup are refused even so.</summary>
    public bool AllowDamaged { get; init; }
    /// <summary>Restore even while a process holds the database or an index open for writing. That process keeps
    /// writing to the replaced files (now in the rollback folder) and those writes are lost to the restored data.</summary>
    public bool Force { get; init; }
    /// <summary>Keep the replaced data in &lt;destination&gt;/.jamey3-restore/&lt;operation&gt;/rollback after success
    /// (the default); false deletes it once the restore is committed.</summary>
    public bool KeepRollback { get; init; } = true;
    /// <summary>Before the swap, also run PRAGMA integrity_check (and row counts) on the database and Lucene's CheckIndex
    /// on every index. Without it the staged copy is proven by its content hashes, the database header and every Lucene
    /// footer checksum, and by opening every index with the manifest's document count (see docs/repository-format.md).</summary>
    public bool Deep { get; init; }
    /// <summary>How long to wait for another restore into the same destination to finish.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The data directory written to: <see cref="Destination"/> if set, else <see cref="DataPath"/>.</summary>
    public string TargetPath => Path.GetFullPath(Destination ?? DataPath);
}

public enum RestoreRecoveryAction
{
    /// <summary>The interrupted restore had staged everything: it was finished.</summary>
    RolledForward,
    /// <summary>The interrupted restore was undone; the destination holds what it held before.</summary>
    RolledBack,
    /// <summary>Leftovers of a finished or undone restore were removed; no data moved.</summary>
    CleanedUp,
    /// <summary>Something unexpected is there; it was left alone (see Message).</summary>
    NeedsAttention,
}

/// <summary>What <see cref="RestoreEngine.Recover(string, Progress.IOperationObserver?, TimeSpan?, CancellationToken)"/> did with one interrupted operation.</summary>
public sealed record RestoreRecovery(string OperationId, string? BackupId, RestoreRecoveryAction Action,
    IReadOnlyList<JameyComponent> Components, string? RollbackPath, string Message)
{
    public override string ToString() => Message;
}

/// <summary>Thrown by test hooks to stop an operation the way a crash would: no cleanup, no rollback, no history.</summary>
internal sealed class SimulatedCrashException(string step) : Exception($"Simulated crash after step '{step}'.")
{
    public string Step { get; } = step;
}
