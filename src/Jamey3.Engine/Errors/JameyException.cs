namespace Jamey3.Engine.Errors;

/// <summary>
/// What kind of failure an engine exception is. The cmdlets map each kind to one PowerShell
/// ErrorCategory in one place, so the engine stays free of PowerShell types.
/// </summary>
public enum JameyErrorKind
{
    InvalidArgument,
    InvalidConfiguration,
    NotFound,
    Busy,
    InvalidData,
    PermissionDenied,
    WriteFailed,
    OperationStopped,
    NotEnabled,
    ResourceUnavailable,
    /// <summary>Refused on purpose, to protect data (the newest verified backup, a running Jamey).</summary>
    Refused,
    /// <summary>A failure nothing anticipated: a defect, or a cause the engine does not know yet.</summary>
    Unexpected,
}

/// <summary>
/// Base of every failure the engine reports on purpose. Its id and kind come from one entry of the
/// catalogue (<see cref="JameyErrors"/>); ErrorId is stable: scripts may match on it.
/// </summary>
public class JameyException : Exception
{
    public JameyException(JameyError error, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        Error = error;
        Target = target;
    }

    public JameyError Error { get; }
    public string ErrorId => Error.Id;
    public JameyErrorKind Kind => Error.Kind;
    /// <summary>The thing that is wrong: a path, a variable name, a backup id.</summary>
    public object? Target { get; }
}

public sealed class ConfigurationException(string variable, string value, string expected)
    : JameyException(JameyErrors.InvalidConfigurationValue,
        $"Environment variable {variable} has the value '{value}', which is not {expected}.", variable)
{
    public string Variable { get; } = variable;
    public string Value { get; } = value;
}

public sealed class DataPathNotFoundException(string path, string? what = null)
    : JameyException(JameyErrors.DataPathNotFound,
        what is null ? $"The Jamey data directory '{path}' does not exist." : $"The Jamey data directory '{path}' has no {what}.", path);

public sealed class RepositoryBusyException(string repository, string holder, TimeSpan waited)
    : JameyException(JameyErrors.RepositoryBusy,
        $"The backup repository '{repository}' is busy: {holder} holds its writer lock (waited {waited.TotalSeconds:0.#} s). Try again when it has finished, or wait longer for the lock.", repository);

public sealed class BackupNotFoundException(string backupId, string repository)
    : JameyException(JameyErrors.BackupNotFound,
        $"No backup '{backupId}' in the repository '{repository}'.", backupId);

public sealed class InvalidManifestException(string path, string reason, Exception? inner = null)
    : JameyException(JameyErrors.InvalidManifest, $"The manifest '{path}' is not valid: {reason}", path, inner);

public sealed class SnapshotException(JameyError error, string source, string message, Exception? inner = null)
    : JameyException(error, message, source, inner);
