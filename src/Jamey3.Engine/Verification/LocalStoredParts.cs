using Jamey3.Engine.Repository;
using Jamey3.Engine.Restore;
using Jamey3.Engine.Storage;
using Directory = System.IO.Directory;

namespace Jamey3.Engine.Verification;

/// <summary>
/// The stored parts of a published backup in a local repository. Every stored path must resolve inside the backup
/// folder and pass through no link (the backup folder itself was checked when it was resolved); a pipe, socket or device
/// planted instead of a stored file is refused before it is opened (<see cref="StoredPath"/>).
/// </summary>
public sealed class LocalStoredParts(string folder) : IStoredParts
{
    /// <summary>The backup folder, full path.</summary>
    public string Folder { get; } = Path.GetFullPath(folder);

    public string Description => Folder;

    /// <summary>
    /// The full path of a stored file; throws UnsafeBackupPath when it resolves outside the backup folder or any folder on
    /// the way to it, or the file itself, is a link (reading through one could read anything on the machine).
    /// </summary>
    public string StoredPath(string stored)
    {
        var full = Path.GetFullPath(Path.Combine(Folder, stored.Replace('/', Path.DirectorySeparatorChar)));
        if (!full.StartsWith(Folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new UnsafeBackupPathException(stored, "resolves outside the backup folder");
        for (var p = full; p.Length > Folder.Length; p = Path.GetDirectoryName(p)!)
            if (BackupContent.IsLink(p))
                throw new UnsafeBackupPathException(p, "is a symbolic link or reparse point; a backup never holds links, and reading through one could read anything");
        // A FIFO, socket or device planted in place of a stored file would block a reader forever, or read a device.
        if (Metrics.DiskUsage.FileLinks(full) is { IsFile: false } && !Directory.Exists(full))
            throw new UnsafeBackupPathException(full, "is not a regular file (a pipe, socket or device); a backup stores only regular files");
        return full;
    }

    public string? Presence(Manifest.StoredPart part) => Presence(StoredPath(part.Stored));

    public StoredBytes OpenStored(Manifest.StoredPart part, CancellationToken ct)
    {
        var file = new FileStream(StoredPath(part.Stored), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return new StoredBytes(file, file.Length);
    }

    public Stream OpenContent(Manifest.StoredPart part, CancellationToken ct) =>
        ContentStore.OpenContent(OpenStored(part, ct).Stream, part.Compression);

    /// <summary>Null when a plain file is there (links were refused before); otherwise what is wrong.</summary>
    static string? Presence(string path) =>
        File.Exists(path) ? null : Directory.Exists(path) ? "is a folder, not a file" : "is missing";
}
