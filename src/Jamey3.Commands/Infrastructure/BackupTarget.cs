using Jamey3.Engine.Repository;

namespace Jamey3.Commands.Infrastructure;

/// <summary>
/// Which backup a piped or named argument means. Piped objects may be live JameyBackup objects or
/// deserialized ones (Import-Clixml, remoting), so only BackupId and the paths are relied on. The layout
/// (where a backup folder's repository is) is the repository's own knowledge.
/// </summary>
internal static class BackupTarget
{
    /// <summary>The repository of a piped backup: its RepositoryPath, or else derived from its folder.</summary>
    public static BackupRepository RepositoryOf(JameyBackup backup) =>
        new(backup.RepositoryPath is { Length: > 0 } r ? r : BackupRepository.RootOfBackupFolder(backup.Path));

    public static (BackupRepository Repository, string BackupId) FromFolder(string backupFolder) => BackupRepository.OfBackupFolder(backupFolder);
}
