using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Restore;

/// <summary>The backup failed the checks a restore makes before it touches anything. Nothing was changed.</summary>
public sealed class BackupVerificationFailedException(string backupId, IReadOnlyList<JameyBackupProblem> problems)
    : JameyException(JameyErrors.BackupVerificationFailed,
        $"Backup '{backupId}' failed verification, so nothing was restored: {Describe(problems)}. " +
        "Restore another backup, or restore this one anyway with -AllowDamaged to salvage what it holds.",
        problems.FirstOrDefault(p => p.File is not null)?.File ?? backupId)
{
    public string BackupId { get; } = backupId;
    public IReadOnlyList<JameyBackupProblem> Problems { get; } = problems;

    static string Describe(IReadOnlyList<JameyBackupProblem> problems) =>
        string.Join("; ", problems.Take(3).Select(p => p.ToString())) + (problems.Count > 3 ? $" (and {problems.Count - 3} more)" : "");
}

/// <summary>Jamey (or another process) has the database or an index open for writing.</summary>
public sealed class DataInUseException(string path, string? holder, JameyComponent component)
    : JameyException(JameyErrors.DataInUse,
        $"The {(component == JameyComponent.Database ? "database" : $"{component} index")} '{path}' is open for writing by {holder ?? "another process"}. " +
        "Stop Jamey first (stop its service or close the application), then try again; or pass -Force to restore anyway, " +
        "in which case the running process keeps writing to the replaced files and those writes are lost.", path)
{
    public string Path { get; } = path;
    /// <summary>The process holding it, when the platform tells ("process 1234 (dotnet Jamey.dll)").</summary>
    public string? Holder { get; } = holder;
    public JameyComponent Component { get; } = component;
}

/// <summary>Another restore (or recovery) into the same data directory is running.</summary>
public sealed class RestoreInProgressException(string target, Exception inner)
    : JameyException(JameyErrors.RestoreInProgress,
        $"Another restore (or recovery) into '{target}' is running; wait for it to finish. ({inner.Message})", target, inner);

public sealed class ComponentNotInBackupException(string backupId, JameyComponent component)
    : JameyException(JameyErrors.ComponentNotInBackup,
        $"Backup '{backupId}' does not contain the {component} component.", component);

/// <summary>A backup names or holds something that would make a restore read or write outside where it should.</summary>
public sealed class UnsafeBackupPathException(string path, string reason)
    : JameyException(JameyErrors.UnsafeBackupPath,
        $"Refusing to read the backup: '{path}' {reason}.", path);

/// <summary>A path in the destination is a link (or otherwise not where a restore may write).</summary>
public sealed class UnsafeTargetPathException(string path, string reason)
    : JameyException(JameyErrors.UnsafeTargetPath,
        $"Refusing to restore into '{path}': {reason}.", path);

/// <summary>Swapping the restored data in failed; everything was put back as it was.</summary>
public sealed class RestoreSwapFailedException(string target, string message, Exception inner)
    : JameyException(JameyErrors.RestoreSwapFailed, message, target, inner);

/// <summary>An interrupted restore could not be finished or undone; the data directory needs attention.</summary>
public sealed class RestoreRecoveryFailedException(string target, string message, Exception? inner = null)
    : JameyException(JameyErrors.RestoreRecoveryFailed, message, target, inner);

/// <summary>The destination's file system has too little free space for the staged copy; nothing was changed.</summary>
public sealed class NotEnoughSpaceException(string target, long needed, long available)
    : JameyException(JameyErrors.NotEnoughSpace,
        $"Restoring into '{target}' needs about {needed:N0} bytes free on its file system for the staged copy, but only {available:N0} are available. " +
        "Free some space (old rollback folders under .jamey3-restore can go), or restore fewer components.", target)
{
    public long Needed { get; } = needed;
    public long Available { get; } = available;
}

/// <summary>Writing the staged copy into the destination failed (the backup itself read fine); nothing was changed.</summary>
public sealed class RestoreWriteFailedException(string path, Exception inner)
    : JameyException(JameyErrors.RestoreWriteFailed,
        $"Could not write the restored copy '{path}': {inner.Message}. Nothing in the destination was changed.", path, inner);
