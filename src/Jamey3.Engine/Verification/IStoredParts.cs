using Jamey3.Engine.Repository;

namespace Jamey3.Engine.Verification;

/// <summary>
/// Where a backup's stored parts (the stored files and chunks its manifest lists) are read from: a backup folder of a
/// local repository (<see cref="LocalStoredParts"/>) or a remote repository (Remote/RemoteStoredParts).
/// <see cref="BackupContent"/> makes every check on top of this (sizes, SHA-256s, the size cap, damaged chunks named),
/// so Test-JameyBackup and Restore-JameyBackup judge a backup the same way wherever it lives.
/// </summary>
public interface IStoredParts
{
    /// <summary>Where the parts are, for messages and results: the backup folder's full path, or the remote location and id.</summary>
    string Description { get; }

    /// <summary>
    /// Null when the part is there to be read; otherwise what is wrong, as a predicate of the part ("is missing", "is a
    /// folder, not a file"). Throws <see cref="Restore.UnsafeBackupPathException"/> when reading the part could read
    /// something else (a link on the way, a pipe or device, a path outside the backup): a refusal, never a damage report.
    /// </summary>
    string? Presence(Manifest.StoredPart part);

    /// <summary>
    /// Opens the part's stored bytes (what <see cref="Manifest.StoredPart.StoredSize"/> and
    /// <see cref="Manifest.StoredPart.StoredSha256"/> describe), with their length as found. The caller bounds the read.
    /// A failure to read throws IOException or InvalidDataException (the part is damaged or unreadable).
    /// </summary>
    StoredBytes OpenStored(Manifest.StoredPart part, CancellationToken ct);

    /// <summary>
    /// Opens the part's original content (the stored bytes decompressed, and for a remote part its envelope opened and
    /// its pieces checked), read lazily. The caller bounds the read and checks the content hash.
    /// </summary>
    Stream OpenContent(Manifest.StoredPart part, CancellationToken ct);
}

/// <summary>A part's stored bytes and their length as the source found it (before any read).</summary>
public sealed record StoredBytes(Stream Stream, long Length) : IDisposable
{
    public void Dispose() => Stream.Dispose();
}
