using System.Text.Json;
using Jamey3.Engine.Repository;

namespace Jamey3.Engine.Remote;

/// <summary>
/// <c>manifests/&lt;backupId&gt;</c> (docs/remote-format.md): the local backup's <see cref="Repository.Manifest"/> as it
/// was, plus where each of its stored parts (a whole file, or one database chunk) lives at the destination: one object
/// per part, named by the part's content hash, holding <c>codec.Seal(local stored bytes)</c>. Written last; its
/// existence is the backup's existence. Sealed by the codec (plain JSON in a plain repository).
/// </summary>
public sealed class RemoteManifest
{
    public const int CurrentFormat = 1;

    public int Format { get; set; } = CurrentFormat;
    /// <summary>Must equal the key's name: a manifest stored under another id is a replay and is refused.</summary>
    public string BackupId { get; set; } = "";
    /// <summary>When the copy published it (UTC).</summary>
    public DateTimeOffset CopiedAt { get; set; }
    /// <summary>SHA-256 (hex) of the exact bytes of <c>indexes/&lt;backupId&gt;</c>.</summary>
    public string IndexSha256 { get; set; } = "";
    /// <summary>One entry per stored part of <see cref="Manifest"/>, in the manifest's order (files, then their chunks).</summary>
    public List<RemoteObjectRef> Objects { get; set; } = [];
    /// <summary>The local manifest, unchanged: components, counts, every file with its content hash and Lucene checksum.</summary>
    public Manifest Manifest { get; set; } = new();

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, RemoteJson.Options);

    /// <summary>
    /// Every stored part of every file, in content order, with its object at the destination: what a restore streams
    /// and a full check reads. Only valid on a validated manifest (<see cref="Parse"/>).
    /// </summary>
    public IEnumerable<RemoteStoredPart> StoredParts()
    {
        int i = 0;
        foreach (var f in Manifest.Files)
        {
            if (f.Chunks is null)
                yield return new RemoteStoredPart(f, 0, 0, f.Size, f.Sha256, Objects[i++]);
            else
                for (int c = 0; c < f.Chunks.Count; c++)
                    yield return new RemoteStoredPart(f, c, f.Chunks[c].Offset, f.Chunks[c].Size, f.Chunks[c].Sha256, Objects[i++]);
        }
    }

    /// <summary>The parts of one file, in order.</summary>
    public IEnumerable<RemoteStoredPart> StoredParts(Manifest.FileEntry file) => StoredParts().Where(p => ReferenceEquals(p.File, file));

    /// <summary>The index this manifest implies: each object once, first use first.</summary>
    public RemoteIndex ToIndex()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return new RemoteIndex
        {
            BackupId = BackupId,
            CreatedAt = Manifest.CreatedAt,
            Objects = Objects.Where(o => seen.Add(o.Name)).Select(o => new RemoteIndexEntry(o.Name, o.StoredSize, o.StoredSha256)).ToList(),
        };
    }

    /// <summary>
    /// Parses and validates a manifest stored under <paramref name="expectedBackupId"/>: format, the id equals the key
    /// (a replay is refused and named), the local manifest's own rules (safe paths, chunks), one object per stored part
    /// whose name is the codec's name of that part's content, and no object the parts do not use.
    /// </summary>
    public static RemoteManifest Parse(ReadOnlySpan<byte> json, string source, string expectedBackupId, IObjectCodec codec)
    {
        RemoteManifest? m;
        try { m = JsonSerializer.Deserialize<RemoteManifest>(json, RemoteJson.Options); }
        catch (JsonException e) { throw new RemoteManifestException(source, $"it is not valid JSON ({e.Message})", e); }
        if (m is null || m.Manifest is null) throw new RemoteManifestException(source, "it is empty");
        m.Validate(source, expectedBackupId, codec);
        return m;
    }

    void Validate(string source, string expectedBackupId, IObjectCodec codec)
    {
        if (Format != CurrentFormat)
            throw new RemoteManifestException(source, Format > CurrentFormat
                ? $"remote manifest format {Format} is newer than this version reads ({CurrentFormat}); upgrade Jamey3"
                : $"remote manifest format {Format} was never written by Jamey3");
        if (BackupId != expectedBackupId || Manifest.BackupId != expectedBackupId)
            throw new RemoteManifestException(source,
                $"it is the manifest of backup '{(BackupId != expectedBackupId ? BackupId : Manifest.BackupId)}' stored under '{expectedBackupId}': a manifest copied under another backup's name (a replay) is refused");
        if (!RemoteIndex.IsSha256(IndexSha256)) throw new RemoteManifestException(source, "its indexSha256 is not a SHA-256");
        try { Manifest.Validate(source); }
        catch (Errors.InvalidManifestException e) { throw new RemoteManifestException(source, e.Message, e); }

        int expected = Manifest.Files.Sum(f => f.Chunks?.Count ?? 1);
        if (Objects.Count != expected)
            throw new RemoteManifestException(source, $"it lists {Objects.Count} objects for {expected} stored parts");
        int i = 0;
        foreach (var f in Manifest.Files)
        {
            var contents = f.Chunks is null ? [f.Sha256] : f.Chunks.Select(c => c.Sha256).ToArray();
            foreach (var content in contents)
            {
                var o = Objects[i++];
                if (!RemoteLayout.IsObjectName(o.Name) || o.StoredSize < 0 || !RemoteIndex.IsSha256(o.StoredSha256))
                    throw new RemoteManifestException(source, $"the object of '{f.Path}' ('{o.Name}') has an invalid name, size or hash");
                if (!string.Equals(codec.NameFor(content), o.Name, StringComparison.Ordinal))
                    throw new RemoteManifestException(source, $"the object '{o.Name}' of '{f.Path}' is not named after that content");
            }
        }
    }
}

/// <summary>
/// Where one stored part lives at the destination: the object's <paramref name="Name"/>, how its content is compressed
/// inside the envelope, and the size and SHA-256 of the bytes stored there (envelope included).
/// </summary>
public sealed record RemoteObjectRef(string Name, CompressionAlgorithm Compression, long StoredSize, string StoredSha256);

/// <summary>
/// One stored part of a file as a reader needs it: the file, the part's number, the content range it holds
/// (<paramref name="Offset"/>, <paramref name="Size"/> bytes, hashing to <paramref name="ContentSha256"/>) and its object.
/// </summary>
public sealed record RemoteStoredPart(Manifest.FileEntry File, int Index, long Offset, long Size, string ContentSha256, RemoteObjectRef Object);
