using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Jamey3.Engine.Remote;

/// <summary>
/// <c>indexes/&lt;backupId&gt;</c> (docs/remote-format.md): the objects one backup needs, with their stored sizes and
/// hashes, never encrypted, so retention and the sampled check work on a host without the private key. It reveals no
/// path, content hash or content. A reader with the key trusts it through the manifest's <c>indexSha256</c>; one without
/// it through <see cref="Tag"/> (from <see cref="IObjectCodec.TagFor"/>, null in a plain repository).
/// </summary>
public sealed record RemoteIndex
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public string BackupId { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>Each object once, in the order the backup first needs it.</summary>
    public List<RemoteIndexEntry> Objects { get; init; } = [];
    /// <summary><see cref="IObjectCodec.TagFor"/> of <see cref="CanonicalText"/>; null when the codec makes none.</summary>
    public string? Tag { get; init; }

    /// <summary>What the tag covers: one line per field, so the tag does not depend on how the JSON is spaced.</summary>
    public byte[] CanonicalText()
    {
        var sb = new StringBuilder();
        sb.Append("jamey3-index ").Append(Format).Append('\n').Append(BackupId).Append('\n')
          .Append(CreatedAt.UtcTicks).Append('\n');
        foreach (var o in Objects) sb.Append(o.Name).Append(' ').Append(o.StoredSize).Append(' ').Append(o.StoredSha256).Append('\n');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>The index with its tag set by <paramref name="codec"/>.</summary>
    public RemoteIndex Tagged(IObjectCodec codec) => this with { Tag = codec.TagFor(CanonicalText()) };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, RemoteJson.Options);

    /// <summary>Parses and validates an index read from <paramref name="source"/> (its key, for messages).</summary>
    public static RemoteIndex Parse(ReadOnlySpan<byte> json, string source, string expectedBackupId, IObjectCodec codec)
    {
        RemoteIndex? x;
        try { x = JsonSerializer.Deserialize<RemoteIndex>(json, RemoteJson.Options); }
        catch (JsonException e) { throw new RemoteManifestException(source, $"the index is not valid JSON ({e.Message})", e); }
        if (x is null) throw new RemoteManifestException(source, "the index is empty");
        if (x.Format != CurrentFormat) throw new RemoteManifestException(source, $"index format {x.Format} is not one this version reads ({CurrentFormat})");
        if (x.BackupId != expectedBackupId)
            throw new RemoteManifestException(source, $"the index is that of backup '{x.BackupId}', stored under '{expectedBackupId}' (a replayed or misplaced index)");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var o in x.Objects)
        {
            if (!RemoteLayout.IsObjectName(o.Name) || o.StoredSize < 0 || !IsSha256(o.StoredSha256))
                throw new RemoteManifestException(source, $"the index lists an invalid object ('{o.Name}')");
            if (!seen.Add(o.Name)) throw new RemoteManifestException(source, $"the index lists object '{o.Name}' twice");
        }
        var expectedTag = codec.TagFor(x.CanonicalText());
        if (expectedTag is not null && !string.Equals(expectedTag, x.Tag, StringComparison.Ordinal))
            throw new RemoteManifestException(source, "the index's authentication tag does not match (it was changed, or belongs to another repository)");
        return x;
    }

    public static string Sha256Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    internal static bool IsSha256(string? s) => s is { Length: 64 } && s.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}

/// <summary>One object of a backup's index: its name and the size and SHA-256 of its bytes as stored at the destination.</summary>
public sealed record RemoteIndexEntry(string Name, long StoredSize, string StoredSha256);
