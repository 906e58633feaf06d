using Jamey3.Engine.Errors;

namespace Jamey3.Engine.Backup;

/// <summary>
/// A component file or folder of the data directory is a symbolic link (or otherwise not a regular file or folder).
/// A backup never follows one: a scheduled job running as root would otherwise copy whatever the link names,
/// any file on the host, into the backup. Nothing was published.
/// </summary>
public sealed class UnsafeDataPathException(string path, string reason)
    : JameyException(JameyErrors.UnsafeDataPath,
        $"Refusing to back up '{path}': {reason}. A backup reads only regular files and folders inside the data directory; " +
        "replace the link with the real file or folder (or remove it), then back up again.", path)
{
    public string Path { get; } = path;
}
