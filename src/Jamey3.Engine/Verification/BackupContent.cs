using System.Buffers;
using System.Security.Cryptography;
using Jamey3.Engine.Data;
using Jamey3.Engine.Errors;
using Jamey3.Engine.Repository;
using Jamey3.Engine.Restore;
using Jamey3.Engine.Snapshots;
using Jamey3.Engine.Storage;
using Lucene.Net.Index;
using Lucene.Net.Store;
using Directory = System.IO.Directory;

namespace Jamey3.Engine.Verification;

/// <summary>
/// One published backup opened for reading, and the one set of checks that everything reading its stored content makes:
/// Test-JameyBackup (quick and full) and Restore-JameyBackup both go through here, so they refuse exactly the same
/// backups for the same reasons. The guards, each on its own: the backup id names one folder under backups/
/// (<see cref="Manifest.IsSafeBackupId"/>); the manifest's paths are plain and inside their component
/// (<see cref="Manifest.Load"/>); every stored path resolves inside the backup folder and passes through no link, the backup
/// folder itself and its manifest included (<see cref="LocalStoredParts.StoredPath"/>; a remote source checks each object's
/// stored and content hashes instead, <see cref="IStoredParts"/>); content is read no further than its manifest size
/// plus one byte (<see cref="BoundedReadStream"/>); then lengths and SHA-256s, damaged chunks named, then the
/// structure of the extracted copy (<see cref="CheckComponent"/>, <see cref="ComponentChecks"/>).
/// </summary>
public sealed class BackupContent
{
    const int BufferSize = 1 << 20;

    BackupContent(IStoredParts parts, Manifest manifest)
    {
        Parts = parts;
        Manifest = manifest;
    }

    /// <summary>Where the stored parts are read from.</summary>
    public IStoredParts Parts { get; }

    /// <summary>The backup folder, full path (local), or the description of the remote source.</summary>
    public string Folder => Parts is LocalStoredParts local ? local.Folder : Parts.Description;

    public Manifest Manifest { get; }

    /// <summary>
    /// Opens backup <paramref name="backupId"/>. Throws BackupNotFound (no such backup, or an id that does not name one
    /// folder under backups/), UnsafeBackupPath (the folder or its manifest is a link) or InvalidManifest.
    /// </summary>
    public static BackupContent Open(BackupRepository repository, string backupId)
    {
        var dir = repository.ResolveBackupFolder(backupId);
        var manifestPath = Path.Combine(dir, Manifest.FileName);
        if (IsLink(manifestPath)) throw new UnsafeBackupPathException(manifestPath, "is a link; a backup never holds links");
        if (!File.Exists(manifestPath)) throw new InvalidManifestException(manifestPath, "it is missing");
        var manifest = Manifest.Load(manifestPath);
        if (manifest.BackupId != backupId)
            throw new InvalidManifestException(manifestPath, $"it names backup '{manifest.BackupId}', not '{backupId}'");
        return new BackupContent(new LocalStoredParts(dir), manifest);
    }

    /// <summary>
    /// A backup whose manifest was read and validated by its source (a remote repository: format, id equal to its name,
    /// safe paths), read through <paramref name="parts"/>.
    /// </summary>
    public static BackupContent Open(IStoredParts parts, Manifest manifest)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(manifest);
        return new BackupContent(parts, manifest);
    }

    /// <summary>
    /// Refuses a stored part that reading could lead elsewhere (UnsafeBackupPath: a link, a non-regular file, a path
    /// outside the backup); returns what is wrong with it otherwise, or null when it is there.
    /// </summary>
    public string? Presence(Manifest.StoredPart part) => Parts.Presence(part);

    /// <summary>A local backup's stored file, full path, checked as <see cref="LocalStoredParts.StoredPath"/> checks it.</summary>
    public string StoredPath(string stored) => Parts is LocalStoredParts local
        ? local.StoredPath(stored)
        : throw new NotSupportedException($"Backup {Manifest.BackupId} is read from {Parts.Description}, which has no stored paths on this machine.");

    /// <summary>Quick check of one stored file: its stored bytes re-hashed (read no further than their size plus one byte).</summary>
    public (long Length, string? Problem) CheckStored(Manifest.StoredPart part, Action<long>? onBytes, CancellationToken ct)
    {
        if (Parts.Presence(part) is { } absent) return (0, absent);
        try
        {
            using var stored = Parts.OpenStored(part, ct);
            if (stored.Length != part.StoredSize) return (0, $"is {stored.Length} bytes, the manifest says {part.StoredSize}");
            using var bounded = new BoundedReadStream(stored.Stream, part.StoredSize);
            var (length, sha) = ContentStore.Hash(bounded, onBytes, ct);
            if (length != part.StoredSize) return (length, $"is {length} bytes, the manifest says {part.StoredSize}");
            if (!string.Equals(sha, part.StoredSha256, StringComparison.OrdinalIgnoreCase)) return (length, "does not match its SHA-256 in the manifest");
            return (length, null);
        }
        catch (ContentTooLongException e) { return (part.StoredSize, e.Message); } // it grew while being read
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException) { return (0, $"could not be read: {e.Message}"); }
    }

    /// <summary>What <see cref="Extract"/> did with one file.</summary>
    public sealed record Extracted(long Bytes, IReadOnlyList<JameyBackupProblem> Problems);

    /// <summary>
    /// Writes a file's original content to <paramref name="destination"/> (a new file) and flushes it, checking its length
    /// (reading stops one byte past the manifest's size) and SHA-256 on the way. <paramref name="mode"/>: the file is
    /// created owner-only and given these bits once written; null leaves the platform's default. A problem of the backup
    /// comes back in the result, naming the damaged chunks of a chunked file; a failure to write the destination throws
    /// <see cref="DestinationWriteException"/>; a link on the way throws UnsafeBackupPath. <paramref name="flushToDisk"/>
    /// false leaves the flush to the OS (a full test's throw-away copy).
    /// </summary>
    public Extracted Extract(Manifest.FileEntry f, string destination, UnixFileMode? mode, Action<long>? onBytes, CancellationToken ct,
        bool flushToDisk = true)
    {
        var parts = f.StoredParts().ToList();
        var problems = new List<JameyBackupProblem>();
        foreach (var p in parts)
            if (Parts.Presence(p) is { } absent) problems.Add(Problem(f, p.Stored, absent));
        if (problems.Count > 0) return new Extracted(0, problems);

        string? problem = null;
        long length = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var output = CreateFile(destination, mode);
            try
            {
                using var input = new BoundedReadStream(ContentStore.Concatenate(parts.Select(p => (Func<Stream>)(() => Parts.OpenContent(p, ct))).ToList()), f.Size);
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                while (true)
                {
                    ct.ThrowIfCancellationRequested();
                    int n = ReadBlock(input, buffer);
                    if (n == 0) break;
                    hash.AppendData(buffer, 0, n);
                    Write(output, destination, buffer, n);
                    length += n;
                    onBytes?.Invoke(n);
                }
                var sha = ContentStore.Hex(hash.GetHashAndReset());
                if (length != f.Size) problem = $"holds {length} bytes of content, the manifest says {f.Size}";
                else if (!string.Equals(sha, f.Sha256, StringComparison.OrdinalIgnoreCase)) problem = "does not match its content SHA-256 in the manifest";
            }
            catch (ContentTooLongException e) { problem = e.Message; }
            catch (Exception e) when (e is IOException or ZstdSharp.ZstdException or InvalidDataException or UnauthorizedAccessException
                                      && e is not DestinationWriteException)
            {
                problem = $"could not be read or decompressed: {e.Message}";
            }
            try
            {
                output.Flush(flushToDisk);
                if (mode is { } m && !OperatingSystem.IsWindows()) File.SetUnixFileMode(output.SafeFileHandle, m);
            }
            catch (IOException e) { throw new DestinationWriteException(destination, e); }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (problem is null) return new Extracted(length, problems);
        // A chunked file names its damaged chunks: the files someone can look at.
        foreach (var part in f.Chunks is null ? Enumerable.Empty<Manifest.StoredPart>() : f.StoredParts())
            if (CheckStored(part, null, ct).Problem is { } chunkProblem) problems.Add(Problem(f, part.Stored, chunkProblem));
        if (problems.Count == 0) problems.Add(Problem(f, f.Stored, problem));
        return new Extracted(length, problems);
    }

    static FileStream CreateFile(string path, UnixFileMode? mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 16 };
        // Owner-only while it is written; the recorded bits are set once the content is complete.
        if (mode is not null && !OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try { return new FileStream(path, options); }
        catch (IOException e) { throw new DestinationWriteException(path, e); }
    }

    static void Write(FileStream output, string path, byte[] buffer, int count)
    {
        try { output.Write(buffer, 0, count); }
        catch (IOException e) { throw new DestinationWriteException(path, e); }
    }

    static int ReadBlock(Stream s, byte[] buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = s.Read(buffer, total, buffer.Length - total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>
    /// Opens what was extracted under <paramref name="root"/> at <paramref name="depth"/> (<see cref="ComponentChecks"/>):
    /// the database's header (and quick_check or integrity_check with row counts), an index's footer checksums and a
    /// reader or CheckIndex with document counts.
    /// </summary>
    public static void CheckComponent(string root, Manifest.ComponentEntry c, IReadOnlyList<Manifest.FileEntry> files, CheckDepth depth,
        List<JameyBackupProblem> problems, Dictionary<JameyComponent, long> counted, CancellationToken ct)
    {
        var outcome = ComponentChecks.Run(root, [c], files, depth, 1, ct)[0];
        problems.AddRange(outcome.Problems);
        if (outcome.Counted is { } n) counted[c.Component] = n;
    }

    static JameyBackupProblem Problem(Manifest.FileEntry f, string stored, string message) =>
        new() { Component = f.Component, File = stored, Message = message };

    /// <summary>A symbolic link, junction or other reparse point (dangling ones included).</summary>
    public static bool IsLink(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null) return true;
        if (!info.Exists && !Directory.Exists(path)) return false;
        return File.GetAttributes(path).HasFlag(FileAttributes.ReparsePoint);
    }
}

/// <summary>Writing extracted content failed (the destination's fault, not the backup's).</summary>
public sealed class DestinationWriteException(string path, IOException inner) : IOException(inner.Message, inner)
{
    public string Path { get; } = path;
}

/// <summary>A full test could not write its temporary copy (a full or read-only temporary folder); the backup was not judged.</summary>
public sealed class VerificationWriteFailedException(string path, Exception inner)
    : JameyException(JameyErrors.VerificationWriteFailed,
        $"Could not write the temporary copy '{path}' that a full test restores into: {inner.Message}. The backup itself was not judged; " +
        "free some space there (or point TMPDIR elsewhere) and test again.", path, inner);
