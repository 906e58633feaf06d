using Jamey3.Engine.Repository;

namespace Jamey3.Commands.Infrastructure;

/// <summary>
/// Which backup a piped or named argument means. Piped objects may be live JameyBackup objects or
/// deserialized ones (Import-Clixml, remoting), so only BackupId and the paths are relied on.
/// </summary>
internal static class BackupTarget
{
    /// <summary>The repository holding a backup folder: backups/&lt;id&gt; lives two levels below it.</summary>
    public static string RepositoryOfBackupFolder(string backupFolder)
    {
        var full = Path.GetFullPath(backupFolder).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var parent = Path.GetDirectoryName(full);
        return Path.GetDirectoryName(parent) ?? parent ?? full;
    }

    /// <summary>The repository of a piped backup: its RepositoryPath, or else derived from its folder.</summary>
    public static BackupRepository RepositoryOf(JameyBackup backup) =>
        new(backup.RepositoryPath is { Length: > 0 } r ? r : RepositoryOfBackupFolder(backup.Path));

    public static (BackupRepository Repository, string BackupId) FromFolder(string backupFolder)
    {
        var full = Path.GetFullPath(backupFolder).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return (new BackupRepository(RepositoryOfBackupFolder(full)), Path.GetFileName(full));
    }
}
