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
}

/// <summary>Base of every failure the engine reports on purpose. ErrorId is stable: scripts may match on it.</summary>
public class JameyException : Exception
{
    public JameyException(string errorId, JameyErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }
    public JameyErrorKind Kind { get; }
    /// <summary>The thing that is wrong: a path, a variable name, a backup id.</summary>
    public object? Target { get; }
}

public sealed class ConfigurationException(string variable, string value, string expected)
    : JameyException("InvalidConfigurationValue", JameyErrorKind.InvalidConfiguration,
        $"Environment variable {variable} has the value '{value}', which is not {expected}.", variable)
{
    public string Variable { get; } = variable;
    public string Value { get; } = value;
}

public sealed class DataPathNotFoundException(string path, string? what = null)
    : JameyException("DataPathNotFound", JameyErrorKind.NotFound,
        what is null ? $"The Jamey data directory '{path}' does not exist." : $"The Jamey data directory '{path}' has no {what}.", path);

public sealed class RepositoryBusyException(string repository, string holder, TimeSpan waited)
    : JameyException("RepositoryBusy", JameyErrorKind.Busy,
        $"The backup repository '{repository}' is busy: {holder} holds its writer lock (waited {waited.TotalSeconds:0.#} s). Try again when it has finished, or wait longer for the lock.", repository);

public sealed class BackupNotFoundException(string backupId, string repository)
    : JameyException("BackupNotFound", JameyErrorKind.NotFound,
        $"No backup '{backupId}' in the repository '{repository}'.", backupId);

public sealed class InvalidManifestException(string path, string reason, Exception? inner = null)
    : JameyException("InvalidManifest", JameyErrorKind.InvalidData, $"The manifest '{path}' is not valid: {reason}", path, inner);

public sealed class SnapshotException(string errorId, string source, string message, Exception? inner = null)
    : JameyException(errorId, JameyErrorKind.ResourceUnavailable, message, source, inner);
